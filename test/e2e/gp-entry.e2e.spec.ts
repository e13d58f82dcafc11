import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { startService, waitForReady, type RunningService, serviceLog } from '@carelog/local-infra';
import { eventually, nextTestNhsNumber, requestJson, uniqueName } from '@carelog/testing';

/**
 * The walking skeleton, end to end through real processes: a GP entry posted to gp-records
 * is published to Kafka, projected into Postgres, and read back through the record API.
 */
describe('a GP entry, from POST to the joined-up record', () => {
  const services: RunningService[] = [];
  // The services' own logs, for when a test fails: .local/test-logs/gp-entry.e2e.log
  const log = serviceLog('gp-entry.e2e');
  // Test ports and an isolated consumer group and read-model schema, so that a platform
  // started with `npm start` on the same machine is not disturbed.
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_PROJECTION_GROUP: uniqueName('projection-e2e'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_e2e'),
  };
  let api: RunningService;
  let gp: RunningService;

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 4110, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    gp = startService({ name: 'gp-records', port: 4101, env, onOutput: log });
    api = startService({ name: 'record-api', port: 4100, env, onOutput: log });
    services.push(gp, api);
    await Promise.all([waitForReady(gp), waitForReady(api)]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
  });

  it('posts a registration and a consultation, and reads them back in order', async () => {
    const nhsNumber = nextTestNhsNumber();
    const token = await mintLocalToken({ role: 'gp', organisation: 'A81001', userId: 'dr-e2e' });
    // The practice's own GP system registers the patient: the one way a registration starts.
    const practiceSystem = await mintLocalSystemToken({
      organisation: 'A81001',
      entryTypes: ['RegistrationStarted'],
    });
    const post = (key: string, body: unknown, bearer = token) =>
      requestJson<{ eventId: string; topic: string; partition: number; offset: string }>(
        `${gp.baseUrl}/v1/entries`,
        {
          method: 'POST',
          token: bearer,
          headers: { 'Idempotency-Key': key },
          body,
        },
      );

    const registration = await post(
      uniqueName('reg'),
      {
        patient: { nhsNumber },
        type: 'RegistrationStarted',
        occurredAt: '2026-01-05T09:00:00Z',
        payload: { registrationType: 'permanent' },
      },
      practiceSystem,
    );
    expect(registration.status).toBe(202);
    // Writing needs the relationship the registration starts, once the projection has it.
    const consultationKey = uniqueName('consult');
    const consultation = await eventually(async () => {
      const response = await post(consultationKey, {
        patient: { nhsNumber },
        type: 'ConsultationRecorded',
        occurredAt: '2026-02-10T10:30:00Z',
        payload: {
          narrative: 'Three weeks of cough. Chest clear. Safety-netted.',
          codedItems: [{ system: 'http://snomed.info/sct', code: '49727002', display: 'Cough' }],
        },
      });
      expect(response.status).toBe(202);
      return response;
    });
    expect(consultation.body).toMatchObject({
      topic: 'carelog.gp.record-entries.v1',
      offset: expect.any(String),
    });

    const record = await eventually(async () => {
      const response = await requestJson<{
        entries: Array<{ eventId: string; type: string; payload: unknown }>;
        withheld: number;
      }>(`${api.baseUrl}/v1/patients/${nhsNumber}/record`, { token });
      expect(response.status).toBe(200);
      expect(response.body.entries).toHaveLength(2);
      return response.body;
    });
    expect(record.entries.map((entry) => entry.eventId)).toEqual([
      registration.body.eventId,
      consultation.body.eventId,
    ]);
    expect(record.entries[1]).toMatchObject({
      type: 'ConsultationRecorded',
      payload: { narrative: 'Three weeks of cough. Chest clear. Safety-netted.' },
    });
    expect(record.withheld).toBe(0);
  });

  it('answers a GP of another practice exactly as it answers for a patient that does not exist', async () => {
    const nhsNumber = nextTestNhsNumber();
    const ownGp = await mintLocalToken({ role: 'gp', organisation: 'A81001' });
    const otherGp = await mintLocalToken({ role: 'gp', organisation: 'B82002' });
    const registered = await requestJson(`${gp.baseUrl}/v1/entries`, {
      method: 'POST',
      token: await mintLocalSystemToken({
        organisation: 'A81001',
        entryTypes: ['RegistrationStarted'],
      }),
      headers: { 'Idempotency-Key': uniqueName('reg') },
      body: {
        patient: { nhsNumber },
        type: 'RegistrationStarted',
        occurredAt: '2026-01-05T09:00:00Z',
        payload: { registrationType: 'permanent' },
      },
    });
    expect(registered.status).toBe(202);
    await eventually(async () =>
      expect(
        (await requestJson(`${api.baseUrl}/v1/patients/${nhsNumber}/record`, { token: ownGp }))
          .status,
      ).toBe(200),
    );

    const denied = await requestJson(`${api.baseUrl}/v1/patients/${nhsNumber}/record`, {
      token: otherGp,
    });
    const missing = await requestJson(`${api.baseUrl}/v1/patients/${nextTestNhsNumber()}/record`, {
      token: otherGp,
    });
    expect(denied.status).toBe(404);
    expect(denied.body).toEqual(missing.body);
    expect(denied.headers.get('content-type')).toBe(missing.headers.get('content-type'));
  });

  it('reports projection throughput and consumer lag in /metrics', async () => {
    const projection = services.find((service) => service.name === 'projection');
    const metrics = await (await fetch(`${projection?.baseUrl ?? ''}/metrics`)).text();
    expect(metrics).toMatch(/^carelog_projection_events_total \d+/m);
    expect(metrics).toMatch(
      /^carelog_projection_consumer_lag\{topic="carelog\.gp\.record-entries\.v1",partition="\d+"\} \d+/m,
    );
  });

  it('refuses a request without a token, as problem+json naming the code', async () => {
    const response = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/patients/${nextTestNhsNumber()}/record`,
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.code).toBe('missing-token');
  });
});
