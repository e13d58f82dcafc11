import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec, schemasDir } from '@carelog/codec';
import { createKafka } from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import {
  eventually,
  nextTestNhsNumber,
  OpenApiAnswers,
  readPartition,
  requestJson,
  uniqueName,
} from '@carelog/testing';

interface Line {
  kind: string;
  id?: string;
  eventId?: string;
  type?: string;
  flagged?: string[];
  source?: { organisation: string };
  entryType?: string;
  team?: string;
  count?: number;
  summary?: string;
}
interface JournalBody {
  narrative: Line[];
  sections: Array<{ section: string; entries: Line[] }>;
  code?: string;
}
interface Accepted {
  eventId: string;
  topic: string;
  partition: number;
  offset: string;
  code?: string;
}

const PRACTICE = 'A81001';
const COUNCIL = 'LA0716';
/** The district nursing team the practice hands over to. */
const DISTRICT_NURSES = 'RY8';
/** Another community trust's district nurses: never on this patient's care team. */
const OTHER_NURSES = 'RYX';
const DAY = 24 * 3_600_000;

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * Issue #14, community nursing on the real platform: a district nursing team joins a patient's
 * care only by a hand-over (the practice adds it to the care team); its nurse then records
 * wound care and sees the care worker's flag in her journal; a district nurse of a team not on
 * the care team is refused and leaves nothing on Kafka or in the record; the GP reads her
 * near-identical wound notes folded into one line.
 */
describe('community nursing: a district nurse handed the patient, and one who was not', () => {
  const services: RunningService[] = [];
  const log = serviceLog('community-nursing.e2e');
  const officersFile = join(process.cwd(), '.local', `${uniqueName('privacy-officers')}.json`);
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('nursing'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-nursing'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_nursing'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_nursing'),
    CARELOG_PRIVACY_OFFICERS_FILE: officersFile,
  };
  const kafka = createKafka('community-nursing-e2e');
  const codec = loadEventCodec();
  const nhsNumber = nextTestNhsNumber();
  const tokens = {
    gp: () => mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-cn' }),
    careWorker: () =>
      mintLocalToken({ role: 'care-worker', organisation: COUNCIL, userId: 'cw-cn' }),
    nurse: () =>
      mintLocalToken({ role: 'community-nurse', organisation: DISTRICT_NURSES, userId: 'dn-cn' }),
    otherNurse: () =>
      mintLocalToken({ role: 'community-nurse', organisation: OTHER_NURSES, userId: 'dn-other' }),
  };
  let api: RunningService;
  let gpRecords: RunningService;
  let socialCare: RunningService;
  let nursing: RunningService;
  const base = () => `${api.baseUrl}/v1/patients/${nhsNumber}`;

  const post = (service: RunningService, token: string, body: Record<string, unknown>) =>
    requestJson<Accepted>(`${service.baseUrl}/v1/entries`, {
      method: 'POST',
      token,
      headers: { 'Idempotency-Key': uniqueName('entry') },
      body: { ...body, patient: { nhsNumber } },
    });
  /** Posts once the relationship it needs has reached the read model (same key each try). */
  const postAccepted = async (
    service: RunningService,
    token: string,
    body: Record<string, unknown>,
  ): Promise<Accepted> => {
    const key = uniqueName('entry');
    return eventually(async () => {
      const response = await requestJson<Accepted>(`${service.baseUrl}/v1/entries`, {
        method: 'POST',
        token,
        headers: { 'Idempotency-Key': key },
        body: { ...body, patient: { nhsNumber } },
      });
      expect(response.status).toBe(202);
      return response.body;
    });
  };
  const journal = async (token: string) => {
    const response = await requestJson<JournalBody>(`${base()}/journal`, { token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const wound = (daysAgo: number, payload: Record<string, unknown> = {}) => {
    const body = example('community-nursing', 'WoundCareRecorded');
    return {
      ...body,
      occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
      payload: { ...(body['payload'] as Record<string, unknown>), ...payload },
    };
  };

  /** The nurse's wound notes: four near-identical, then one of a wound getting worse. */
  const routineNotes = [
    'Wound redressed, no change. Moderate exudate, surrounding skin intact.',
    'Wound redressed, no change. Moderate exudate, surrounding skin intact.',
    'Wound redressed, no change; moderate exudate, surrounding skin intact.',
    'Wound redressed, no change. Moderate exudate, surrounding skin intact',
  ];
  const accepted: Accepted[] = [];
  let worse: Accepted;
  let flaggedVisit: string;

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    writeFileSync(
      officersFile,
      JSON.stringify({ privacyOfficers: [{ organisation: PRACTICE, reviews: [PRACTICE] }] }),
    );
    const projection = startService({ name: 'projection', port: 5310, env, onOutput: log });
    services.push(projection);
    // Generous: two cores shared by many test runs make a cold start slow.
    await waitForReady(projection, 300_000);
    api = startService({ name: 'record-api', port: 5300, env, onOutput: log });
    gpRecords = startService({ name: 'gp-records', port: 5301, env, onOutput: log });
    socialCare = startService({ name: 'social-care', port: 5302, env, onOutput: log });
    nursing = startService({ name: 'community-nursing', port: 5307, env, onOutput: log });
    services.push(api, gpRecords, socialCare, nursing);
    await Promise.all(services.map((service) => waitForReady(service, 300_000)));

    // The practice and the council start theirs from their own source systems (docs/architecture.md, "Legitimate relationships").
    const system = (organisation: string, type: string) =>
      mintLocalSystemToken({ organisation, entryTypes: [type] });
    expect(
      (
        await post(
          gpRecords,
          await system(PRACTICE, 'RegistrationStarted'),
          example('gp', 'RegistrationStarted'),
        )
      ).status,
    ).toBe(202);
    expect(
      (
        await post(
          socialCare,
          await system(COUNCIL, 'CaseOpened'),
          example('social-care', 'CaseOpened'),
        )
      ).status,
    ).toBe(202);
    const gp = await tokens.gp();
    await eventually(async () =>
      expect((await requestJson(`${base()}/record`, { token: gp })).status).toBe(200),
    );
  }, 720_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it('refuses the district nurse until the practice hands the patient over; then she records wound care', async () => {
    const nurse = await tokens.nurse();
    const before = await post(nursing, nurse, wound(20));
    expect(before.status).toBe(403);
    expect(before.body.code).toBe('care-relationship-required');

    // The practice holding the registration adds the district nursing team to the care team.
    const handOverKey = uniqueName('care-team');
    const handOverOnce = async (reason: string) =>
      requestJson<{ eventId: string; code?: string }>(`${base()}/care-team/${DISTRICT_NURSES}`, {
        method: 'PUT',
        token: await tokens.gp(),
        headers: { 'Idempotency-Key': handOverKey },
        body: { role: 'community-nurse', team: 'District nursing East', reason },
      });
    const handOver = await handOverOnce('Venous leg ulcer: dressings three times a week.');
    expect(handOver.status).toBe(202);
    // The same request again, with its key (as a client whose answer was lost sends it): the
    // same entry, whenever it comes; the key with another reason is refused.
    const repeated = await handOverOnce('Venous leg ulcer: dressings three times a week.');
    expect(repeated.status).toBe(202);
    expect(repeated.body.eventId).toBe(handOver.body.eventId);
    const reused = await handOverOnce('Something else');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency-key-reused');

    accepted.push(await postAccepted(nursing, nurse, wound(20, { note: routineNotes[0] })));
    for (const [index, note] of routineNotes.slice(1).entries())
      accepted.push(await postAccepted(nursing, nurse, wound(17 - index * 3, { note })));
    worse = await postAccepted(
      nursing,
      nurse,
      wound(2, {
        progress: 'deteriorating',
        signsOfInfection: true,
        lengthMm: 41,
        note: 'Wound larger, malodorous, surrounding cellulitis. GP asked to review today.',
      }),
    );
    expect(
      accepted.every((entry) => entry.topic.endsWith('.community-nursing.record-entries.v1')),
    ).toBe(true);
  }, 180_000);

  it("shows her the care worker's flagged visit in her journal", async () => {
    flaggedVisit = (
      await postAccepted(socialCare, await tokens.careWorker(), {
        ...example('social-care', 'CareVisitRecorded'),
        payload: {
          ...(example('social-care', 'CareVisitRecorded')['payload'] as Record<string, unknown>),
          note: 'Bandage on left leg soaked through and slipped; leg more swollen.',
        },
        attention: {
          role: 'community-nurse',
          organisation: DISTRICT_NURSES,
          reason: 'Dressing soaked through, please visit',
        },
      })
    ).eventId;
    const nurse = await tokens.nurse();
    const line = await eventually(async () => {
      const found = (await journal(nurse)).narrative.find((item) => item.eventId === flaggedVisit);
      expect(found?.flagged).toContain('flagged-for-attention');
      return found;
    });
    expect(line?.type).toBe('CareVisitRecorded');
    // Her own notes run in her narrative: the care worker's flag does not bury them.
    const own = (await journal(nurse)).narrative.filter(
      (item) =>
        item.eventId === worse.eventId ||
        (item.kind === 'fold' && item.entryType === 'WoundCareRecorded'),
    );
    expect(own.length).toBe(2);
  }, 120_000);

  it("folds her near-identical wound notes into one line in the GP's journal, and shows the worse one itself", async () => {
    const gp = await tokens.gp();
    const section = await eventually(async () => {
      const found = (await journal(gp)).sections.find(
        (candidate) => candidate.section === 'community-nursing',
      );
      expect(found?.entries.some((line) => line.kind === 'fold')).toBe(true);
      return found;
    });
    const folds = section?.entries.filter((line) => line.kind === 'fold') ?? [];
    expect(folds).toEqual([
      expect.objectContaining({
        entryType: 'WoundCareRecorded',
        team: DISTRICT_NURSES,
        count: routineNotes.length,
        summary: expect.stringMatching(/^Wound redressed, no change\..* ×4, /) as string,
      }),
    ]);
    // The deteriorating wound is never folded: the GP sees it directly, flagged as a concern.
    const shown = (await journal(gp)).narrative.find((line) => line.eventId === worse.eventId);
    expect(shown?.flagged).toContain('wound-concern');
  }, 120_000);

  it('refuses a district nurse whose team is not on the care team: 403, nothing published, nothing readable', async () => {
    const other = await tokens.otherNurse();
    const [first] = accepted;
    if (!first) throw new Error('no accepted wound note');
    const topicEnd = async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const offsets = await admin.fetchTopicOffsets(first.topic);
        return offsets.find((offset) => offset.partition === first.partition)?.high ?? '0';
      } finally {
        await admin.disconnect();
      }
    };
    const endBefore = await topicEnd();

    for (const type of [
      'WoundCareRecorded',
      'DistrictNursingVisitRecorded',
      'ContinenceAssessmentRecorded',
      'EndOfLifeCareRecorded',
    ]) {
      const refused = await post(nursing, other, example('community-nursing', type));
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('care-relationship-required');
    }
    // Nor can she join by adding her own team, or read the record or the journal.
    const joined = await requestJson(`${base()}/care-team/${OTHER_NURSES}`, {
      method: 'PUT',
      token: other,
      headers: { 'Idempotency-Key': uniqueName('care-team') },
      body: { role: 'community-nurse', reason: 'We cover this street too.' },
    });
    expect(joined.status).toBe(403);
    expect((await requestJson(`${base()}/record`, { token: other })).status).toBe(404);
    expect((await requestJson(`${base()}/journal`, { token: other })).status).toBe(404);

    // Nothing reached Kafka: the patient's partition holds only the handed-over team's entries.
    expect(await topicEnd()).toBe(endBefore);
    const messages = await readPartition(kafka, first.topic, first.partition);
    const events = messages.flatMap((message) =>
      message.value ? [codec.decode(message.value).event] : [],
    );
    const mine = events.filter((event) => event.patient.nhsNumber === nhsNumber);
    expect(mine.map((event) => event.eventId).sort()).toEqual(
      [...accepted, worse].map((entry) => entry.eventId).sort(),
    );
    expect(mine.every((event) => event.source.organisation === DISTRICT_NURSES)).toBe(true);

    // And nothing of hers is in the record the GP reads.
    const record = await requestJson<{ entries: Line[] }>(`${base()}/record?limit=200`, {
      token: await tokens.gp(),
    });
    expect(record.status).toBe(200);
    expect(record.body.entries.filter((entry) => entry.type === 'WoundCareRecorded')).toHaveLength(
      routineNotes.length + 1,
    );
    expect(record.body.entries.some((entry) => entry.source?.organisation === OTHER_NURSES)).toBe(
      false,
    );
  }, 120_000);

  it('answers as its OpenAPI document says: entries, a journal with entry, digest and fold lines, a history, medicines', async () => {
    const gp = await tokens.gp();
    const careWorker = await tokens.careWorker();
    // Two routine care visits (a digest line in the GP's journal), and a medicine prescribed then stopped.
    for (const daysAgo of [9, 8])
      await postAccepted(socialCare, careWorker, {
        ...example('social-care', 'CareVisitRecorded'),
        occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
      });
    for (const [type, daysAgo] of [
      ['MedicationPrescribed', 30],
      ['MedicationStopped', 1],
    ] as const)
      await postAccepted(gpRecords, gp, {
        ...example('gp', type),
        occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
      });
    const document = (await (
      await fetch(`${api.baseUrl}/docs-json`)
    ).json()) as ConstructorParameters<typeof OpenApiAnswers>[0];
    const answered: Array<{ operation: string; body: unknown }> = [];
    const read = async <T>(operation: string, path: string): Promise<T> => {
      const response = await requestJson<T>(`${base()}${path}`, { token: gp });
      expect(response.status).toBe(200);
      answered.push({ operation, body: response.body });
      return response.body;
    };

    const journalLines = await eventually(async () => {
      const { narrative, sections } = await journal(gp);
      const lines = [...narrative, ...sections.flatMap((section) => section.entries)];
      expect(new Set(lines.map((line) => line.kind))).toEqual(new Set(['entry', 'digest', 'fold']));
      return lines;
    });
    const expand = journalLines.flatMap((line) => (line.kind === 'entry' ? [] : [line.id]));
    const expanded = await read<{ expanded: object }>(
      'GET /v1/patients/{nhsNumber}/journal',
      `/journal?expand=${expand.join(',')}`,
    );
    expect(Object.keys(expanded.expanded).sort()).toEqual([...expand].sort());
    const record = await eventually(async () => {
      const { entries } = await read<{ entries: Array<Line & Record<string, unknown>> }>(
        'GET /v1/patients/{nhsNumber}/record',
        '/record?limit=200',
      );
      expect(entries.map((entry) => entry.type)).toEqual(
        expect.arrayContaining(['MedicationStopped', 'CareVisitRecorded']),
      );
      return entries;
    });
    expect(new Set(record.map((entry) => entry.type)).size).toBeGreaterThanOrEqual(6);
    await read('GET /v1/patients/{nhsNumber}/entries/{eventId}', `/entries/${worse.eventId}`);
    await read(
      'GET /v1/patients/{nhsNumber}/entries/{eventId}/history',
      `/entries/${worse.eventId}/history`,
    );
    const medicines = await read<{ stopped: unknown[] }>(
      'GET /v1/patients/{nhsNumber}/medicines',
      '/medicines',
    );
    expect(medicines.stopped).toHaveLength(1);

    // Checked once all are read: compiling the schemas takes a while on a busy machine.
    const answers = new OpenApiAnswers(document);
    for (const { operation, body } of answered)
      expect({ operation, problems: answers.problems(operation, body) }).toEqual({
        operation,
        problems: [],
      });
    // The check is real: an answer with a field its document does not declare fails it.
    expect(
      answers.problems('GET /v1/patients/{nhsNumber}/entries/{eventId}', {
        ...record[0],
        extra: true,
      }),
    ).not.toEqual([]);
  }, 180_000);
});
