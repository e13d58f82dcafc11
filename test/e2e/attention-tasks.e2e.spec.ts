import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import {
  eventually,
  nextTestNhsNumber,
  OpenApiAnswers,
  requestJson,
  uniqueName,
} from '@carelog/testing';

interface Task {
  id: string;
  nhsNumber: string;
  reason: string | null;
  status: string;
  recipient: { role: string; organisation: string };
  escalation: { level: number; escalatedTo: { role: string; organisation: string } } | null;
  acknowledgement: { by: { userId: string; role: string } } | null;
  steps?: Array<{ step: string; by?: { userId?: string }; note?: string | null }>;
}
interface TaskList {
  tasks: Task[];
  withheld: number;
  nextCursor: string | null;
}

const PRACTICE = 'A81001';
const COUNCIL = 'LA0001';
const ELSEWHERE = 'B82002';
const DISTRICT_NURSES = 'RYX';

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * "Entry on notes ≠ doctor informed": an entry flagged for attention becomes a task for the
 * role and organisation it names, through real processes and their own topics. It is listed
 * only to them and only where the access rules let them see the entry; left alone it
 * escalates; acknowledged, it says who and when.
 */
describe('attention tasks, from a flagged entry to its acknowledgement', () => {
  const services: RunningService[] = [];
  const log = serviceLog('attention-tasks.e2e');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('tasks'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-tasks'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_tasks'),
    // Care workers' tasks escalate to social workers after 4 s; GPs' tasks, after a day.
    CARELOG_TASK_ESCALATE_AFTER_SECONDS: '4',
    CARELOG_TASK_MAX_ESCALATIONS: '1',
    CARELOG_TASK_SWEEP_SECONDS: '0.5',
    CARELOG_TASK_ESCALATION_ROLES: 'care-worker:social-worker',
  };
  let api: RunningService;
  let gpRecords: RunningService;
  let socialCare: RunningService;
  const nhsNumber = nextTestNhsNumber();
  const tokens = {
    gp: () => mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-tasks' }),
    nurse: () => mintLocalToken({ role: 'practice-nurse', organisation: PRACTICE }),
    otherGp: () => mintLocalToken({ role: 'gp', organisation: ELSEWHERE, userId: 'dr-else' }),
    careWorker: () =>
      mintLocalToken({ role: 'care-worker', organisation: COUNCIL, userId: 'cw-tasks' }),
    socialWorker: () =>
      mintLocalToken({ role: 'social-worker', organisation: COUNCIL, userId: 'sw-tasks' }),
    patient: () => mintLocalToken({ role: 'patient', organisation: 'NHSLOGIN', nhsNumber }),
    districtNurse: () =>
      mintLocalToken({
        role: 'community-nurse',
        organisation: DISTRICT_NURSES,
        userId: 'dn-tasks',
      }),
    // Relationships start from each organisation's own source system (docs/architecture.md, "Legitimate relationships").
    practiceSystem: () =>
      mintLocalSystemToken({ organisation: PRACTICE, entryTypes: ['RegistrationStarted'] }),
    councilSystem: () =>
      mintLocalSystemToken({ organisation: COUNCIL, entryTypes: ['CaseOpened'] }),
    elsewhereSystem: () =>
      mintLocalSystemToken({
        organisation: ELSEWHERE,
        entryTypes: ['RegistrationStarted', 'RegistrationEnded'],
      }),
  };

  const send = (
    service: RunningService,
    token: string,
    body: Record<string, unknown>,
    key = uniqueName('entry'),
  ) =>
    requestJson<{ eventId: string; code?: string; field?: string }>(
      `${service.baseUrl}/v1/entries`,
      {
        method: 'POST',
        token,
        headers: { 'Idempotency-Key': key },
        body: { ...body, patient: { nhsNumber } },
      },
    );
  /** Posts once the relationships it needs have reached the read model (a refusal records nothing). */
  const post = async (
    service: RunningService,
    token: string,
    body: Record<string, unknown>,
  ): Promise<string> => {
    const key = uniqueName('entry');
    return eventually(async () => {
      const response = await send(service, token, body, key);
      expect(response.status).toBe(202);
      return response.body.eventId;
    });
  };
  const tasksOf = async (token: string, query = '') => {
    const response = await requestJson<TaskList>(`${api.baseUrl}/v1/tasks${query}`, { token });
    expect(response.status).toBe(200);
    return response.body;
  };
  const taskOf = (token: string, id: string) =>
    requestJson<Task & { code?: string }>(`${api.baseUrl}/v1/tasks/${id}`, { token });
  const acknowledge = (token: string, id: string, body: unknown = {}, key?: string) =>
    requestJson<{ eventId: string; topic: string; code?: string }>(
      `${api.baseUrl}/v1/tasks/${id}/acknowledge`,
      { method: 'POST', token, body, headers: key ? { 'Idempotency-Key': key } : {} },
    );

  let gpTask: string;
  let careWorkerTask: string;
  let unrelatedTask: string;

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 4410, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    gpRecords = startService({ name: 'gp-records', port: 4401, env, onOutput: log });
    socialCare = startService({ name: 'social-care', port: 4402, env, onOutput: log });
    api = startService({ name: 'record-api', port: 4400, env, onOutput: log });
    services.push(gpRecords, socialCare, api);
    await Promise.all(services.map((service) => waitForReady(service)));

    // The practice and the council both care for the patient; so, for a while, does another practice.
    await post(gpRecords, await tokens.practiceSystem(), example('gp', 'RegistrationStarted'));
    await post(socialCare, await tokens.councilSystem(), example('social-care', 'CaseOpened'));
    await post(gpRecords, await tokens.elsewhereSystem(), example('gp', 'RegistrationStarted'));
    const visit = example('social-care', 'CareVisitRecorded');
    gpTask = await post(socialCare, await tokens.careWorker(), {
      ...visit,
      attention: { role: 'gp', organisation: PRACTICE, reason: 'new confusion since yesterday' },
    });
    unrelatedTask = await post(socialCare, await tokens.careWorker(), {
      ...visit,
      attention: { role: 'gp', organisation: ELSEWHERE, reason: 'registered there last week' },
    });
    // The patient leaves the other practice: its task stays, but nobody there may see it now.
    await post(gpRecords, await tokens.elsewhereSystem(), example('gp', 'RegistrationEnded'));
    careWorkerTask = await post(gpRecords, await tokens.gp(), {
      ...example('gp', 'MedicationPrescribed'),
      attention: { role: 'care-worker', organisation: COUNCIL, reason: 'new dose from today' },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it("lists a flagged entry as an open task for the role and organisation it names, with the entry's reason", async () => {
    const token = await tokens.gp();
    const list = await eventually(async () => {
      const found = await tasksOf(token);
      expect(found.tasks.map((task) => task.id)).toContain(gpTask);
      return found;
    });
    expect(list.tasks.find((task) => task.id === gpTask)).toMatchObject({
      nhsNumber,
      status: 'open',
      reason: 'new confusion since yesterday',
      recipient: { role: 'gp', organisation: PRACTICE },
      acknowledgement: null,
    });
    const read = await taskOf(token, gpTask);
    expect(read.status).toBe(200);
    expect(read.body.steps?.[0]).toMatchObject({ step: 'flagged' });
  });

  it('shows the task to nobody else: another role of the practice, or a GP elsewhere', async () => {
    await eventually(async () =>
      expect((await tasksOf(await tokens.gp())).tasks.map((task) => task.id)).toContain(gpTask),
    );
    for (const token of [await tokens.nurse(), await tokens.otherGp()]) {
      expect((await tasksOf(token, '?status=all')).tasks.map((task) => task.id)).not.toContain(
        gpTask,
      );
      const read = await taskOf(token, gpTask);
      expect(read.status).toBe(404);
      expect(read.body.code).toBe('task-not-found');
      expect((await acknowledge(token, gpTask)).status).toBe(404);
    }
  });

  it('refuses a flag naming an organisation with no relationship, or none, as 422 naming attention.organisation', async () => {
    const visit = example('social-care', 'CareVisitRecorded');
    for (const organisation of ['X99999', '', DISTRICT_NURSES]) {
      const refused = await send(socialCare, await tokens.careWorker(), {
        ...visit,
        attention: { role: 'gp', organisation, reason: 'nobody would ever see this' },
      });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'attention-recipient-unreachable',
        field: 'attention.organisation',
      });
    }
  });

  it('keeps the task of an amended flagged result; only a correction saying the concern is resolved withdraws it', async () => {
    const nurse = await tokens.nurse();
    const result = example('gp', 'TestResultRecorded');
    const payload = {
      ...(result['payload'] as Record<string, unknown>),
      test: {
        system: 'http://snomed.info/sct',
        code: '1000651000000109',
        display: 'Serum potassium',
      },
      value: '6.4',
      unit: 'mmol/L',
      referenceRange: '3.5-5.3',
      interpretation: 'critical',
      narrative: 'Critical potassium.',
    };
    const resultTask = await post(gpRecords, nurse, {
      ...result,
      payload,
      attention: { role: 'gp', organisation: PRACTICE, reason: 'critical potassium' },
    });
    const gp = await tokens.gp();
    await eventually(async () => expect((await taskOf(gp, resultTask)).body.status).toBe('open'));
    const correct = (body: Record<string, unknown>) =>
      requestJson<{ eventId: string }>(
        `${gpRecords.baseUrl}/v1/entries/${resultTask}/corrections`,
        {
          method: 'POST',
          token: nurse,
          headers: { 'Idempotency-Key': uniqueName('correct') },
          body,
        },
      );
    const amended = await correct({
      kind: 'amended',
      reason: 'lab re-issued the value',
      payload: { ...payload, value: '6.6' },
    });
    expect(amended.status).toBe(202);
    const entryNow = () =>
      requestJson<{ payload: { value: string } }>(
        `${api.baseUrl}/v1/patients/${nhsNumber}/entries/${resultTask}`,
        { token: gp },
      );
    await eventually(async () => expect((await entryNow()).body.payload.value).toBe('6.6'));
    const kept = await taskOf(gp, resultTask);
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({
      status: 'open',
      reason: 'critical potassium',
      recipient: { role: 'gp', organisation: PRACTICE },
    });

    expect(
      (
        await correct({
          kind: 'amended',
          reason: 'repeat sample normal',
          payload: { ...payload, value: '4.9', interpretation: 'normal' },
          concernResolved: true,
        })
      ).status,
    ).toBe(202);
    await eventually(async () =>
      expect((await tasksOf(gp, '?status=withdrawn')).tasks.map((task) => task.id)).toContain(
        resultTask,
      ),
    );
  });

  it('adds the district nursing team to the care team through the API; its community nurse then sees the flagged task', async () => {
    const careTeam = (token: string) =>
      requestJson<{ eventId: string; code?: string }>(
        `${api.baseUrl}/v1/patients/${nhsNumber}/care-team/${DISTRICT_NURSES}`,
        {
          method: 'PUT',
          token,
          headers: { 'Idempotency-Key': uniqueName('care-team') },
          body: {
            role: 'community-nurse',
            team: 'District nursing East',
            reason: 'Leg ulcer care.',
          },
        },
      );
    // The team cannot add itself.
    const selfAdded = await careTeam(await tokens.districtNurse());
    expect(selfAdded.status).toBe(403);
    expect(selfAdded.body.code).toBe('relationship-start-not-permitted');
    expect((await careTeam(await tokens.gp())).status).toBe(202);

    const flagged = await post(socialCare, await tokens.careWorker(), {
      ...example('social-care', 'CareVisitRecorded'),
      attention: {
        role: 'community-nurse',
        organisation: DISTRICT_NURSES,
        reason: 'dressing soaked through',
      },
    });
    const nurse = await tokens.districtNurse();
    await eventually(async () =>
      expect((await tasksOf(nurse)).tasks.map((task) => task.id)).toContain(flagged),
    );
    expect((await taskOf(nurse, flagged)).body).toMatchObject({
      status: 'open',
      reason: 'dressing soaked through',
    });

    // Taken off the care team, the team loses access: its task is withheld again.
    const removed = await requestJson(
      `${api.baseUrl}/v1/patients/${nhsNumber}/care-team/${DISTRICT_NURSES}`,
      {
        method: 'DELETE',
        token: await tokens.gp(),
        headers: { 'Idempotency-Key': uniqueName('care-team-off') },
        body: { role: 'community-nurse', reason: 'Ulcer healed.' },
      },
    );
    expect(removed.status).toBe(202);
    await eventually(async () => expect((await taskOf(nurse, flagged)).status).toBe(404));
  });

  it('withholds a task addressed to an organisation with no relationship with the patient, saying only how many', async () => {
    const token = await tokens.otherGp();
    const list = await eventually(async () => {
      const found = await tasksOf(token);
      expect(found.withheld).toBeGreaterThanOrEqual(1);
      expect(found.tasks.map((task) => task.id)).not.toContain(unrelatedTask);
      return found;
    });
    expect(list.tasks.map((task) => task.id)).not.toContain(unrelatedTask);
    expect(JSON.stringify(list)).not.toContain(nhsNumber);
    expect((await taskOf(token, unrelatedTask)).status).toBe(404);
  });

  it('escalates a task nobody acknowledged in time, as an event, to the configured role of the same organisation', async () => {
    const token = await tokens.socialWorker();
    const escalated = await eventually(
      async () => {
        const found = (await tasksOf(token)).tasks.find((task) => task.id === careWorkerTask);
        expect(found?.escalation).toMatchObject({
          level: 1,
          escalatedTo: { role: 'social-worker', organisation: COUNCIL },
        });
        return found;
      },
      { timeoutMs: 30_000 },
    );
    expect(escalated?.recipient).toEqual({ role: 'care-worker', organisation: COUNCIL });
    const read = await taskOf(token, careWorkerTask);
    expect(read.body.steps?.map((step) => step.step)).toEqual(['flagged', 'escalated']);
  });

  it('records who acknowledged a task and when; someone else cannot acknowledge it again; a retry is the same event', async () => {
    const socialWorker = await tokens.socialWorker();
    await eventually(
      async () =>
        expect((await tasksOf(socialWorker)).tasks.map((task) => task.id)).toContain(
          careWorkerTask,
        ),
      { timeoutMs: 30_000 },
    );
    const first = await acknowledge(socialWorker, careWorkerTask, { note: 'calling the family' });
    expect(first.status).toBe(202);
    expect(first.body.topic).toBe(`${env.CARELOG_TOPIC_PREFIX}.gp.record-entries.v1`);
    const acknowledged = await eventually(async () => {
      const read = await taskOf(socialWorker, careWorkerTask);
      expect(read.body.status).toBe('acknowledged');
      return read.body;
    });
    expect(acknowledged.acknowledgement?.by).toMatchObject({
      userId: 'sw-tasks',
      role: 'social-worker',
    });
    expect(acknowledged.steps?.at(-1)).toMatchObject({
      step: 'acknowledged',
      by: { userId: 'sw-tasks' },
      note: 'calling the family',
    });
    const retry = await acknowledge(socialWorker, careWorkerTask, { note: 'calling the family' });
    expect(retry.status).toBe(202);
    expect(retry.body.eventId).toBe(first.body.eventId);
    const late = await acknowledge(await tokens.careWorker(), careWorkerTask);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('task-already-acknowledged');
    const open = await tasksOf(socialWorker);
    expect(open.tasks.map((task) => task.id)).not.toContain(careWorkerTask);
    const done = await tasksOf(socialWorker, '?status=acknowledged');
    expect(done.tasks.map((task) => task.id)).toContain(careWorkerTask);
    // Both answers, an escalated and acknowledged task with its steps, as the document says.
    const document = (await (
      await fetch(`${api.baseUrl}/docs-json`)
    ).json()) as ConstructorParameters<typeof OpenApiAnswers>[0];
    const answers = new OpenApiAnswers(document);
    expect(answers.problems('GET /v1/tasks/{taskId}', acknowledged)).toEqual([]);
    expect(answers.problems('GET /v1/tasks', done)).toEqual([]);
  });

  it('hides a task whose entry the patient sealed from the organisation, and does not count it', async () => {
    const token = await tokens.gp();
    const withheldBefore = (await tasksOf(token)).withheld;
    const sealed = await requestJson(
      `${api.baseUrl}/v1/patients/${nhsNumber}/consents/seals/${gpTask}`,
      {
        method: 'PUT',
        token: await tokens.patient(),
        headers: { 'Idempotency-Key': uniqueName('seal') },
        body: { sealedFrom: { kind: 'organisation', value: PRACTICE } },
      },
    );
    expect(sealed.status).toBe(202);
    await eventually(async () => {
      const list = await tasksOf(token);
      expect(list.tasks.map((task) => task.id)).not.toContain(gpTask);
      // A sealed entry's existence is protected (docs/architecture.md, "Nothing reveals what is hidden"): its task is not counted either.
      expect(list.withheld).toBe(withheldBefore);
    });
    expect((await acknowledge(token, gpTask)).status).toBe(404);
  });

  it('writes every task read to the access log the patient reads', async () => {
    const log = await requestJson<{ accesses: Array<{ action: string; actor: { role: string } }> }>(
      `${api.baseUrl}/v1/patients/${nhsNumber}/access-log`,
      { token: await tokens.patient() },
    );
    expect(log.status).toBe(200);
    const actions = log.body.accesses.map((access) => `${access.actor.role}:${access.action}`);
    expect(actions).toContain('gp:read-tasks');
    expect(actions).toContain('social-worker:acknowledge-task');
  });

  it('refuses patients, bad filters and malformed ids with problem+json', async () => {
    const patient = await requestJson<{ code: string }>(`${api.baseUrl}/v1/tasks`, {
      token: await tokens.patient(),
    });
    expect(patient.status).toBe(403);
    expect(patient.body.code).toBe('not-permitted');
    const badStatus = await requestJson<{ code: string; field: string }>(
      `${api.baseUrl}/v1/tasks?status=urgent`,
      { token: await tokens.gp() },
    );
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toMatchObject({ code: 'invalid-status', field: 'status' });
    const malformed = await taskOf(await tokens.gp(), 'not-a-task');
    expect(malformed.status).toBe(404);
    expect(malformed.body.code).toBe('task-not-found');
    const noToken = await requestJson(`${api.baseUrl}/v1/tasks`);
    expect(noToken.status).toBe(401);
  });
});
