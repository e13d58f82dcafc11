import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

interface TaskStatus {
  status: string;
  recipient: { role: string; organisation: string };
  acknowledged: { at: string; by: { userId: string; role: string } } | null;
  escalated: { level: number; to: { role: string; organisation: string } } | null;
}
interface Line {
  kind: string;
  eventId?: string;
  id?: string;
  amendedAt?: string | null;
  versions?: number;
  task?: TaskStatus;
}
interface JournalBody {
  since: string | null;
  asAt: string | null;
  narrative: Line[];
  sections: Array<{ entries: Line[] }>;
  expanded: Record<string, Line[]>;
  withheld: number | null;
  nextCursor: string | null;
  code?: string;
  field?: string;
}

const PRACTICE = 'A81001';
const COUNCIL = 'LA0001';

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * The journal says where a flagged entry's task stands (open, escalated to whom, acknowledged
 * by whom and when), only on entries the reader is shown; and "new since I last looked": a
 * per-reader mark, set by the reader or moved by acknowledging, and a journal of what is new
 * or amended since it.
 */
describe('journal: task status on flagged entries, and what is new since my mark', () => {
  const services: RunningService[] = [];
  const log = serviceLog('journal-tasks-since.e2e');
  const officersFile = join(process.cwd(), '.local', `${uniqueName('privacy-officers')}.json`);
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('jts'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-jts'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_jts'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_jts'),
    CARELOG_PRIVACY_OFFICERS_FILE: officersFile,
    // A GP's task escalates (to a GP of the same practice) after 3 s, once.
    CARELOG_TASK_ESCALATE_AFTER_SECONDS: '3',
    CARELOG_TASK_MAX_ESCALATIONS: '1',
    CARELOG_TASK_SWEEP_SECONDS: '0.5',
  };
  let api: RunningService;
  let socialCare: RunningService;
  const nhsNumber = nextTestNhsNumber();
  const tokens = {
    gp: () => mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-jts' }),
    careWorker: () =>
      mintLocalToken({ role: 'care-worker', organisation: COUNCIL, userId: 'cw-jts' }),
    socialWorker: () =>
      mintLocalToken({ role: 'social-worker', organisation: COUNCIL, userId: 'sw-jts' }),
    patient: () => mintLocalToken({ role: 'patient', organisation: 'NHSLOGIN', nhsNumber }),
    officer: () =>
      mintLocalToken({ role: 'privacy-officer', organisation: PRACTICE, userId: 'po-jts' }),
  };
  const base = () => `${api.baseUrl}/v1/patients/${nhsNumber}`;

  const post = async (
    service: RunningService,
    token: string,
    body: Record<string, unknown>,
  ): Promise<string> => {
    const response = await requestJson<{ eventId: string }>(`${service.baseUrl}/v1/entries`, {
      method: 'POST',
      token,
      headers: { 'Idempotency-Key': uniqueName('entry') },
      body: { ...body, patient: { nhsNumber } },
    });
    expect(response.status).toBe(202);
    return response.body.eventId;
  };
  const journal = async (token: string, query = '') => {
    const response = await requestJson<JournalBody>(`${base()}/journal${query}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  };
  /** Every entry line and expanded entry of a journal (digests and folds expanded). */
  const entriesOf = async (token: string, query = '') => {
    const first = await journal(token, query);
    const lines = (body: JournalBody) => [
      ...body.narrative,
      ...body.sections.flatMap((section) => section.entries),
    ];
    const ids = lines(first).flatMap((line) => (line.kind === 'entry' ? [] : [line.id ?? '']));
    const sep = query ? '&' : '?';
    const body = ids.length
      ? await journal(token, `${query}${sep}expand=${encodeURIComponent(ids.join(','))}`)
      : first;
    return {
      body,
      entries: [
        ...lines(body).filter((line) => line.kind === 'entry'),
        ...Object.values(body.expanded).flat(),
      ],
    };
  };
  const setMark = (token: string, body: Record<string, unknown> = {}) =>
    requestJson<{ mark: string; code?: string; field?: string }>(`${base()}/journal/mark`, {
      method: 'PUT',
      token,
      body,
    });

  let flagged: string;
  let sealed: string;
  /** A flagged visit posted after the GP set their mark. */
  let fresh = '';
  const visit = () => example('social-care', 'CareVisitRecorded');

  beforeAll(async () => {
    mkdirSync(join(process.cwd(), '.local'), { recursive: true });
    writeFileSync(
      officersFile,
      JSON.stringify({ privacyOfficers: [{ organisation: PRACTICE, reviews: [PRACTICE] }] }),
    );
    const projection = startService({ name: 'projection', port: 4510, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    const gpRecords = startService({ name: 'gp-records', port: 4501, env, onOutput: log });
    socialCare = startService({ name: 'social-care', port: 4502, env, onOutput: log });
    api = startService({ name: 'record-api', port: 4500, env, onOutput: log });
    services.push(gpRecords, socialCare, api);
    await Promise.all(services.map((service) => waitForReady(service)));

    // Relationships start from each organisation's own source system (docs/architecture.md, "Legitimate relationships").
    const system = (organisation: string, type: string) =>
      mintLocalSystemToken({ organisation, entryTypes: [type] });
    await post(
      gpRecords,
      await system(PRACTICE, 'RegistrationStarted'),
      example('gp', 'RegistrationStarted'),
    );
    await post(
      socialCare,
      await system(COUNCIL, 'CaseOpened'),
      example('social-care', 'CaseOpened'),
    );
    // Writes need the relationship in the read model: wait until the projection has it.
    for (const reader of [tokens.gp, tokens.socialWorker]) {
      const token = await reader();
      await eventually(async () =>
        expect((await requestJson(`${base()}/record`, { token })).status).toBe(200),
      );
    }
    flagged = await post(socialCare, await tokens.careWorker(), {
      ...visit(),
      attention: { role: 'gp', organisation: PRACTICE, reason: 'new confusion since yesterday' },
    });
    sealed = await post(socialCare, await tokens.careWorker(), {
      ...visit(),
      attention: { role: 'gp', organisation: PRACTICE, reason: 'zq-sealed-reason' },
    });
    // The patient seals the second flagged visit from the practice.
    const seal = await requestJson(`${base()}/consents/seals/${sealed}`, {
      method: 'PUT',
      token: await tokens.patient(),
      headers: { 'Idempotency-Key': uniqueName('seal') },
      body: { sealedFrom: { kind: 'organisation', value: PRACTICE } },
    });
    expect(seal.status).toBe(202);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it('shows the GP the task of a flagged entry beside it: open, then escalated to whom', async () => {
    const token = await tokens.gp();
    const line = await eventually(
      async () => {
        const found = (await journal(token)).narrative.find((item) => item.eventId === flagged);
        expect(found?.task?.escalated).toEqual({
          level: 1,
          at: expect.any(String) as string,
          to: { role: 'gp', organisation: PRACTICE },
        });
        return found;
      },
      { timeoutMs: 30_000 },
    );
    expect(line?.task).toMatchObject({
      status: 'open',
      recipient: { role: 'gp', organisation: PRACTICE },
      acknowledged: null,
    });
  });

  it('never hints at the task of an entry sealed from the reader, while a reader who may see the entry sees its task', async () => {
    const gp = await tokens.gp();
    const careWorker = await tokens.careWorker();
    const forCareWorker = await eventually(async () => {
      const found = await entriesOf(careWorker);
      expect(found.entries.find((entry) => entry.eventId === sealed)?.task).toMatchObject({
        status: 'open',
        recipient: { role: 'gp', organisation: PRACTICE },
      });
      return found;
    });
    expect(forCareWorker.entries.find((entry) => entry.eventId === flagged)?.task).toBeDefined();
    await eventually(async () => {
      const forGp = await entriesOf(gp);
      expect(forGp.entries.map((entry) => entry.eventId)).toContain(flagged);
      const text = JSON.stringify(forGp.body);
      expect(text).not.toContain(sealed);
      expect(text).not.toContain('zq-sealed-reason');
      // One task shown: the flagged entry's; nothing about the sealed one.
      expect(forGp.entries.filter((entry) => entry.task).map((entry) => entry.eventId)).toEqual([
        flagged,
      ]);
    });
    const since = await journal(gp, `?since=${encodeURIComponent('2000-01-01T00:00:00Z')}`);
    expect(JSON.stringify(since)).not.toContain(sealed);
  });

  it('shows only what is new or amended since the reader set their mark, with counts only on whole views', async () => {
    const gp = await tokens.gp();
    const careWorker = await tokens.careWorker();
    const none = await requestJson<{ mark: string | null }>(`${base()}/journal/mark`, {
      token: gp,
    });
    expect(none.body.mark).toBeNull();
    // No mark yet: the whole journal, counted.
    const whole = await journal(gp, '?since=mark');
    expect(whole.since).toBeNull();
    expect(typeof whole.withheld).toBe('number');

    const marked = await setMark(gp);
    expect(marked.status).toBe(200);
    const read = await requestJson<{ mark: string }>(`${base()}/journal/mark`, { token: gp });
    expect(read.body.mark).toBe(marked.body.mark);
    const nothingNew = await journal(gp, '?since=mark');
    expect(nothingNew).toMatchObject({ since: marked.body.mark, withheld: null });
    expect(nothingNew.narrative).toEqual([]);
    // Another reader's mark is their own.
    const other = await requestJson<{ mark: string | null }>(`${base()}/journal/mark`, {
      token: careWorker,
    });
    expect(other.body.mark).toBeNull();

    fresh = await post(socialCare, careWorker, {
      ...visit(),
      attention: { role: 'gp', organisation: PRACTICE, reason: 'fell in the night' },
    });
    const newer = await eventually(async () => {
      const found = await entriesOf(gp, '?since=mark');
      expect(found.entries.map((entry) => entry.eventId)).toContain(fresh);
      return found;
    });
    expect(newer.entries.map((entry) => entry.eventId)).not.toContain(flagged);
    expect(newer.body.withheld).toBeNull();

    // An amendment is a change: the amended entry is new since the mark.
    const amendment = await requestJson(`${socialCare.baseUrl}/v1/entries/${flagged}/corrections`, {
      method: 'POST',
      token: careWorker,
      headers: { 'Idempotency-Key': uniqueName('amend') },
      body: {
        kind: 'amended',
        reason: 'time of visit corrected',
        payload: visit()['payload'],
      },
    });
    expect(amendment.status).toBe(202);
    const amended = await eventually(async () => {
      const found = (await entriesOf(gp, '?since=mark')).entries;
      expect(found.map((entry) => entry.eventId)).toEqual(expect.arrayContaining([fresh, flagged]));
      return found.find((entry) => entry.eventId === flagged);
    });
    expect(amended).toMatchObject({ versions: 2, amendedAt: expect.any(String) as string });
  });

  it('moves the mark when the reader acknowledges a task, and the journal then says who acknowledged it and when', async () => {
    const gp = await tokens.gp();
    expect(fresh).not.toBe('');
    const before = (await requestJson<{ mark: string }>(`${base()}/journal/mark`, { token: gp }))
      .body.mark;
    const acknowledged = await eventually(async () => {
      const response = await requestJson<{ code?: string }>(
        `${api.baseUrl}/v1/tasks/${fresh}/acknowledge`,
        { method: 'POST', token: gp, body: { note: 'visiting today' } },
      );
      expect(response.status).toBe(202);
      return response;
    });
    expect(acknowledged.status).toBe(202);
    const after = (await requestJson<{ mark: string }>(`${base()}/journal/mark`, { token: gp }))
      .body.mark;
    expect(new Date(after).getTime()).toBeGreaterThan(new Date(before).getTime());
    // Everything recorded before the acknowledgement is no longer new.
    const since = await journal(gp, '?since=mark');
    expect(JSON.stringify(since)).not.toContain(fresh);
    const line = await eventually(async () => {
      const found = (await journal(gp)).narrative.find((item) => item.eventId === fresh);
      expect(found?.task?.status).toBe('acknowledged');
      return found;
    });
    expect(line?.task?.acknowledged).toEqual({
      at: expect.any(String) as string,
      by: { userId: 'dr-jts', role: 'gp', organisation: PRACTICE },
    });
  });

  it('lets a privacy officer reconstruct exactly the journal, with task status and since, that was shown', async () => {
    const gp = await tokens.gp();
    const sinceWhen = '2000-01-01T00:00:00.000Z';
    const shownWhole = await journal(gp);
    const shownSince = await journal(gp, `?since=${encodeURIComponent(sinceWhen)}`);
    const shownThen = new Date();
    await eventually(() => expect(Date.now()).toBeGreaterThan(shownThen.getTime() + 5));
    const officer = await tokens.officer();
    const reconstruct = (extra: Record<string, unknown>) =>
      requestJson<{ shown: unknown }>(`${api.baseUrl}/v1/privacy/reconstructions`, {
        method: 'POST',
        token: officer,
        body: {
          nhsNumber,
          reader: { userId: 'dr-jts', role: 'gp', organisation: PRACTICE },
          asAt: shownThen.toISOString(),
          view: 'journal',
          reason: 'audit of task handling, ref 2026/7',
          ...extra,
        },
      });
    const whole = await reconstruct({});
    expect(whole.status).toBe(200);
    expect(whole.body.shown).toEqual({ ...shownWhole, asAt: shownThen.toISOString() });
    const since = await reconstruct({ since: sinceWhen });
    expect(since.body.shown).toEqual({ ...shownSince, asAt: shownThen.toISOString() });
  });

  it('pages a journal by a cursor, each line on one page, digests the same on every page', async () => {
    const careWorker = await tokens.careWorker();
    const gp = await tokens.gp();
    const lines = (body: JournalBody) => [
      ...body.narrative,
      ...body.sections.flatMap((section) => section.entries),
    ];
    // Routine visits, digested in the GP's view.
    const routine: string[] = [];
    for (let visitNumber = 0; visitNumber < 3; visitNumber += 1)
      routine.push(await post(socialCare, careWorker, visit()));
    // Once all three are in the record, the journal is still while it is paged.
    await eventually(async () =>
      expect((await entriesOf(gp)).entries.map((entry) => entry.eventId)).toEqual(
        expect.arrayContaining(routine),
      ),
    );
    const whole = await journal(gp);
    expect(lines(whole).map((line) => line.kind)).toContain('digest');
    expect(whole.nextCursor).toBeNull();
    expect(lines(whole).length).toBeGreaterThan(2);
    const paged: Line[] = [];
    let cursor: string | null = null;
    do {
      const page: JournalBody = await journal(
        gp,
        `?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(lines(page)).toHaveLength(1);
      expect(page.withheld).toBe(whole.withheld);
      paged.push(...lines(page));
      cursor = page.nextCursor;
    } while (cursor);
    const key = (line: Line) => JSON.stringify(line);
    expect(paged.map(key).sort()).toEqual(lines(whole).map(key).sort());
    const bad = await requestJson<{ code: string; field: string }>(
      `${base()}/journal?cursor=not-a-cursor`,
      { token: careWorker },
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid-cursor', field: 'cursor' });
    const tooMany = await requestJson<{ code: string; field: string }>(
      `${base()}/journal?limit=501`,
      { token: careWorker },
    );
    expect(tooMany.body).toMatchObject({ code: 'invalid-filter', field: 'limit' });
  });

  it('refuses a malformed since and a mark in the future, naming the field', async () => {
    const gp = await tokens.gp();
    const bad = await requestJson<{ code: string; field: string }>(
      `${base()}/journal?since=yesterday`,
      { token: gp },
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid-filter', field: 'since' });
    const future = await setMark(gp, { at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ code: 'invalid-filter', field: 'at' });
    const unrelated = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/patients/${nhsNumber}/journal/mark`,
      {
        method: 'PUT',
        token: await mintLocalToken({ role: 'gp', organisation: 'B82002', userId: 'dr-else' }),
        body: {},
      },
    );
    expect(unrelated.status).toBe(404);
    expect(unrelated.body.code).toBe('patient-not-found');
  });
});
