import { randomUUID } from 'node:crypto';
import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import type { SourceDomain } from '@carelog/domain';
import { mintLocalToken } from '@carelog/auth';
import { createKafka, recordEntryTopic } from '@carelog/kafka';
import { readModelDataSource } from '@carelog/read-model';
import { eventually, requestJson, testNhsNumber, uniqueName } from '@carelog/testing';
import { accessPlatform, event, other, own } from './support/access-platform';

/**
 * The record API's access rules through real processes, beyond the matrix and the property
 * (record-api-access-matrix, record-api-sensitive-property): denied reads touch no record row,
 * a GP's journal of a mixed record, the audit of every read, break-glass, seals, contributions.
 */
describe('record API access rules', () => {
  const platform = accessPlatform('access', { api: 4300, projection: 4310 });
  const { tokens, entries, env, codec } = platform;
  beforeAll(() => platform.start(), 240_000);
  afterAll(() => platform.stop());

  it('answers a denied read without touching a record row, while an allowed read needs them', async () => {
    const versionTables = readModelDataSource({
      schema: `${env.CARELOG_READ_MODEL_SCHEMA}_v1`,
      applicationName: 'lock-test',
      poolSize: 2,
    });
    await versionTables.initialize();
    const locker = versionTables.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    const gp = tokens.get('gp') ?? '';
    let allowedRead: Promise<{ status: number }> | undefined;
    try {
      // Nothing can read record entries or their history until this transaction ends.
      await locker.query('LOCK TABLE record_entry, entry_version IN ACCESS EXCLUSIVE MODE');
      const denied = await requestJson<{ code: string }>(
        `${platform.baseUrl}/v1/patients/${other}/record`,
        { token: gp },
      );
      expect(denied.status).toBe(404);
      expect(denied.body.code).toBe('patient-not-found');
      allowedRead = requestJson(`${platform.baseUrl}/v1/patients/${own}/record`, { token: gp });
      await eventually(async () => {
        const [waiting] = await versionTables.query<Array<{ count: string }>>(
          `SELECT count(*) FROM pg_locks l JOIN pg_class c ON l.relation = c.oid WHERE c.relname = 'record_entry' AND NOT l.granted`,
        );
        expect(Number(waiting?.count)).toBeGreaterThan(0);
      });
    } finally {
      await locker.rollbackTransaction();
      await locker.release();
    }
    expect((await allowedRead)?.status).toBe(200);
    await versionTables.destroy();
  });

  it('shows a GP every flagged, abnormal, safeguarding and care-plan entry of a mixed record, and digests the routine care visits', async () => {
    const nhsNumber = testNhsNumber(808_080);
    const day = (n: number) => new Date(Date.UTC(2026, 2, n, 9));
    const at = (
      type: string,
      n: number,
      organisation: string,
      payload?: Record<string, unknown>,
      extra: Partial<UncheckedRecordEntryEvent> = {},
    ) => {
      const [domain, made] = event(type, nhsNumber, organisation, payload);
      return [domain, { ...made, occurredAt: day(n), ...extra }] as [
        SourceDomain,
        UncheckedRecordEntryEvent,
      ];
    };
    const visit = (n: number, concernsRaised = false) =>
      at('CareVisitRecorded', n, '716', {
        visitStart: day(n),
        visitEnd: new Date(day(n).getTime() + 1_800_000),
        tasksCompleted: ['personal care'],
        note: 'Settled.',
        concernsRaised,
      });
    const mixed = [
      at('RegistrationStarted', 1, 'A81001'),
      at('CaseOpened', 1, '716'),
      ...[2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 7].map((n) => visit(n)),
      visit(5, true),
      at('TestResultRecorded', 3, 'A81001', {
        test: { system: 'http://snomed.info/sct', code: '1033191000000107', display: 'NT-proBNP' },
        value: '1240',
        unit: 'ng/L',
        referenceRange: '<400',
        interpretation: 'abnormal',
        narrative: null,
      }),
      at('LetterReceived', 4, 'A81001', undefined, {
        attention: { role: 'gp', organisation: 'A81001', reason: 'start bisoprolol' },
      }),
      at('SafeguardingConcernRaised', 5, '716'),
      at('CarePlanChanged', 6, '716'),
      at('ConsultationRecorded', 8, 'A81001'),
    ];
    const producer = createKafka('mixed-record').producer({
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    for (const [domain, sent] of mixed)
      await producer.send({
        topic: recordEntryTopic(domain),
        acks: -1,
        messages: [{ key: nhsNumber, value: codec.encode(sent) }],
      });
    await producer.disconnect();
    const gp = tokens.get('gp') ?? '';
    type Line = {
      kind: string;
      eventId: string;
      flagged: string[];
      summary: string;
      count: number;
    };
    type Journal = { narrative: Line[]; sections: Array<{ section: string; entries: Line[] }> };
    const digestsOf = (body: Journal) =>
      body.sections.flatMap((section) => section.entries).filter((line) => line.kind === 'digest');
    const journal = await eventually(
      async () => {
        const response = await requestJson<Journal>(
          `${platform.baseUrl}/v1/patients/${nhsNumber}/journal`,
          { token: gp },
        );
        expect(response.status).toBe(200);
        // Everything projected: 12 digested visits; the other 8 entries (registration and case included) in the narrative.
        expect(digestsOf(response.body).reduce((sum, line) => sum + line.count, 0)).toBe(12);
        expect(response.body.narrative).toHaveLength(8);
        return response.body;
      },
      { timeoutMs: 30_000 },
    );
    const idOf = (type: string) =>
      mixed.filter(([, sent]) => sent.type === type).map(([, sent]) => sent.eventId);
    const narrative = journal.narrative.map((item) => item.eventId);
    for (const type of [
      'TestResultRecorded',
      'LetterReceived',
      'SafeguardingConcernRaised',
      'CarePlanChanged',
      'ConsultationRecorded',
    ]) {
      for (const id of idOf(type)) expect(narrative).toContain(id);
    }
    const concern = mixed.find(
      ([, sent]) => sent.type === 'CareVisitRecorded' && sent.payload['concernsRaised'] === true,
    )?.[1];
    expect(journal.narrative.find((item) => item.eventId === concern?.eventId)?.flagged).toEqual([
      'care-visit-concern',
    ]);
    expect(
      journal.narrative.filter((item) => idOf('CareVisitRecorded').includes(item.eventId)),
    ).toHaveLength(1);
    // Twelve visits in one week: a week's digest, in the social-care section's timeline, with
    // what they amount to (the year only when the reader's year is not 2026).
    expect(journal.sections.find((section) => section.section === 'social-care')?.entries).toEqual([
      expect.objectContaining({
        kind: 'digest',
        summary: expect.stringMatching(
          /^12 care visits, 2–7 Mar( 2026)?: no concerns, none missed; 1 more shown on its own$/,
        ),
      }),
    ]);
  });

  it('audits every read, allowed or denied, in the log the patient can read', async () => {
    const patient = tokens.get('patient') ?? '';
    // The whole log, however long (a page holds 100 by default).
    const before = await requestJson<{ accesses: unknown[] }>(
      `${platform.baseUrl}/v1/patients/${other}/access-log?limit=500`,
      { token: tokens.get('privacy-officer') ?? '' },
    );
    await requestJson(`${platform.baseUrl}/v1/patients/${other}/record`, {
      token: tokens.get('social-worker') ?? '',
    });
    const after = await requestJson<{
      accesses: Array<{ actor: { role: string }; outcome: string; action: string }>;
    }>(`${platform.baseUrl}/v1/patients/${other}/access-log?limit=500`, {
      token: tokens.get('privacy-officer') ?? '',
    });
    // One more for the denied read, one more for the privacy officer's own first look.
    expect(after.body.accesses.length).toBe(before.body.accesses.length + 2);
    expect(after.body.accesses).toContainEqual(
      expect.objectContaining({
        actor: expect.objectContaining({ role: 'social-worker' }),
        outcome: 'denied',
        action: 'read-record',
      }),
    );
    // Reads of the patient's record by those who may, each then in the patient's own log.
    const readers = ['gp', 'social-worker', 'midwife', 'urgent-care', 'carer'] as const;
    for (const role of readers) {
      const read = await requestJson(`${platform.baseUrl}/v1/patients/${own}/record`, {
        token: tokens.get(role) ?? '',
      });
      expect([role, read.status]).toEqual([role, 200]);
    }
    const mine = await requestJson<{
      accesses: Array<{ actor: { role: string; organisation: string }; outcome: string }>;
    }>(`${platform.baseUrl}/v1/patients/${own}/access-log`, { token: patient });
    const roles = new Set(
      mine.body.accesses
        .filter((access) => access.outcome === 'allowed')
        .map((access) => access.actor.role),
    );
    for (const role of readers) expect(roles).toContain(role);
  });

  it('lets staff without a relationship in only by breaking glass, with a reason, which the privacy officer sees', async () => {
    // A user of its own: break-glass grants outlive a test run (they are the record API's own state).
    const paramedic = uniqueName('paramedic');
    const stranger = await mintLocalToken({
      role: 'urgent-care',
      organisation: 'RRK',
      userId: paramedic,
    });
    const read = () =>
      requestJson(`${platform.baseUrl}/v1/patients/${own}/record`, { token: stranger });
    expect((await read()).status).toBe(404);
    const noReason = await requestJson<{ code: string }>(
      `${platform.baseUrl}/v1/patients/${own}/break-glass`,
      { method: 'POST', token: stranger, body: { reason: 'urgent' } },
    );
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('break-glass-reason-required');
    const patientTries = await requestJson(`${platform.baseUrl}/v1/patients/${own}/break-glass`, {
      method: 'POST',
      token: tokens.get('patient') ?? '',
      body: { reason: 'I want to see it all' },
    });
    expect(patientTries.status).toBe(403);
    const granted = await requestJson<{ expiresAt: string }>(
      `${platform.baseUrl}/v1/patients/${own}/break-glass`,
      {
        method: 'POST',
        token: stranger,
        body: { reason: 'Unconscious at roadside, needs allergy history' },
      },
    );
    expect(granted.status).toBe(201);
    expect(new Date(granted.body.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect((await read()).status).toBe(200);
    const alerts = await requestJson<{
      alerts: Array<{ reason: string; actor: { userId: string } }>;
    }>(`${platform.baseUrl}/v1/privacy/break-glass-alerts`, {
      token: tokens.get('privacy-officer') ?? '',
    });
    expect(alerts.body.alerts).toContainEqual(
      expect.objectContaining({
        reason: 'Unconscious at roadside, needs allergy history',
        actor: expect.objectContaining({ userId: paramedic }),
      }),
    );
  });

  it('hides an entry the patient sealed from an organisation, from that organisation only', async () => {
    const consultation = entries[`ConsultationRecorded:${own}`];
    const sealed = await requestJson(
      `${platform.baseUrl}/v1/patients/${own}/consents/seals/${consultation?.eventId ?? ''}`,
      {
        method: 'PUT',
        token: tokens.get('patient') ?? '',
        headers: { 'Idempotency-Key': randomUUID() },
        body: { sealedFrom: { kind: 'organisation', value: 'R1H' } },
      },
    );
    expect(sealed.status).toBe(202);
    const path = `${platform.baseUrl}/v1/patients/${own}/entries/${consultation?.eventId ?? ''}`;
    await eventually(
      async () =>
        expect((await requestJson(path, { token: tokens.get('midwife') ?? '' })).status).toBe(404),
      { timeoutMs: 30_000 },
    );
    expect((await requestJson(path, { token: tokens.get('gp') ?? '' })).status).toBe(200);
  });

  it('takes a patient contribution onto the patient topic and into the record', async () => {
    const reading = await requestJson<{ eventId: string; topic: string }>(
      `${platform.baseUrl}/v1/patients/${own}/contributions`,
      {
        method: 'POST',
        token: tokens.get('patient') ?? '',
        headers: { 'Idempotency-Key': randomUUID() },
        body: {
          type: 'PatientNoteAdded',
          payload: { note: 'Ankles better this week.' },
        },
      },
    );
    expect(reading.status).toBe(202);
    expect(reading.body.topic).toBe(recordEntryTopic('patient'));
    await eventually(
      async () => {
        const entry = await requestJson(
          `${platform.baseUrl}/v1/patients/${own}/entries/${reading.body.eventId}`,
          { token: tokens.get('patient') ?? '' },
        );
        expect(entry.status).toBe(200);
      },
      { timeoutMs: 30_000 },
    );
    const otherPatient = await requestJson(
      `${platform.baseUrl}/v1/patients/${other}/contributions`,
      {
        method: 'POST',
        token: tokens.get('patient') ?? '',
        headers: { 'Idempotency-Key': randomUUID() },
        body: { type: 'PatientNoteAdded', payload: { note: 'not mine' } },
      },
    );
    expect(otherPatient.status).toBe(404);
  });
});
