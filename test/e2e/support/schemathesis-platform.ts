import { mintLocalToken } from '@carelog/auth';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import { createKafka, ensureTopics, platformTopics, recordEntryTopic } from '@carelog/kafka';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import { eventually, exampleEvent, requestJson, uniqueName } from '@carelog/testing';
import { stopPlatform } from './access-platform';

/** The patient schemathesis tests on (its path parameters, test/e2e/schemathesis.toml). */
export const PATIENT = '9434765919';
/** The practice the patient is registered with, whose GP and privacy officer run the tests. */
export const PRACTICE = 'A81001';
/** An organisation with no relationship to the patient: its staff break glass or claim one. */
export const UNRELATED = 'NHS111';
/** Open tasks for the practice's GPs, so that each stateful scenario finds one to acknowledge. */
const TASKS = 12;

/** Who schemathesis calls as, each a token (test/e2e/schemathesis.toml reads them from the environment). */
export interface SchemathesisTokens {
  /** The patient (NHS login, P9): the default for the record API. */
  patient: string;
  /** A GP of the practice: gp-records, and the record API's task list. */
  gp: string;
  /** The practice's privacy officer: the record API's privacy routes. */
  officer: string;
  /** An urgent-care clinician with no relationship: break-glass and relationship claims. */
  unrelated: string;
}

/**
 * The record API, gp-records and the projection as processes on topics, a read model and an
 * audit trail of their own, with the test patient seeded so that the operations the OpenAPI
 * links start from answer 2xx: registered with the practice (the GP may read and write), a
 * consultation and tasks flagged to the practice's GPs (task list -> task -> acknowledge), a
 * break-glass by an unrelated clinician (alert list -> acknowledge); and notifications. Each
 * spec file names its own ports (test/e2e/service-ports.spec.ts).
 */
export function schemathesisPlatform(
  name: string,
  ports: { api: number; gpRecords: number; notifications: number; projection: number },
) {
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_NOTIFICATIONS_GROUP: uniqueName(`notifications-${name}`),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName(`notifications_${name}`),
    CARELOG_TOPIC_PREFIX: uniqueName(name),
    CARELOG_READ_MODEL_SCHEMA: uniqueName(`read_model_${name}`),
    CARELOG_PROJECTION_GROUP: uniqueName(`projection-${name}`),
    CARELOG_AUDIT_SCHEMA: uniqueName(`audit_${name}`),
  };
  const log = serviceLog(`${name}.e2e`);
  const saved = { ...process.env };
  const services: RunningService[] = [];

  /** Seeds the patient's record; answers the eventId of the practice's consultation. */
  async function seed(): Promise<string> {
    const codec = loadEventCodec();
    const kafka = createKafka(`${name}-seed`);
    const events: Array<[string, UncheckedRecordEntryEvent]> = [
      ['gp', exampleEvent('RegistrationStarted', { nhsNumber: PATIENT, organisation: PRACTICE })],
      ['gp', exampleEvent('ConsultationRecorded', { nhsNumber: PATIENT, organisation: PRACTICE })],
      ...Array.from({ length: TASKS }, (_, index): [string, UncheckedRecordEntryEvent] => [
        'gp',
        exampleEvent('ConsultationRecorded', {
          nhsNumber: PATIENT,
          organisation: PRACTICE,
          attention: { role: 'gp', organisation: PRACTICE, reason: `review ${index + 1}` },
        }),
      ]),
    ];
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const [domain, event] of events) {
      await producer.send({
        topic: recordEntryTopic(domain as 'gp'),
        acks: -1,
        messages: [{ key: event.patient.nhsNumber, value: codec.encode(event) }],
      });
    }
    await producer.disconnect();
    return events[1]?.[1].eventId ?? '';
  }

  async function start(): Promise<{ tokens: SchemathesisTokens; entryEventId: string }> {
    Object.assign(process.env, env);
    const admin = createKafka(`${name}-test`).admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    await admin.disconnect();
    const entryEventId = await seed();
    const projection = startService({
      name: 'projection',
      port: ports.projection,
      env,
      onOutput: log,
    });
    services.push(projection);
    await waitForReady(projection);
    services.push(startService({ name: 'record-api', port: ports.api, env, onOutput: log }));
    services.push(startService({ name: 'gp-records', port: ports.gpRecords, env, onOutput: log }));
    services.push(
      startService({ name: 'notifications', port: ports.notifications, env, onOutput: log }),
    );
    await Promise.all(services.slice(1).map((service) => waitForReady(service)));
    const tokens: SchemathesisTokens = {
      patient: await mintLocalToken({
        role: 'patient',
        organisation: 'NHSLOGIN',
        userId: 'patient-schemathesis',
        nhsNumber: PATIENT,
      }),
      gp: await mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'gp-st' }),
      officer: await mintLocalToken({
        role: 'privacy-officer',
        organisation: PRACTICE,
        userId: 'officer-st',
      }),
      unrelated: await mintLocalToken({
        role: 'urgent-care',
        organisation: UNRELATED,
        userId: 'urgent-care-st',
      }),
    };
    const api = service('record-api').baseUrl;
    // Projected: the GP sees the open tasks, and the patient their record.
    await eventually(
      async () => {
        const tasks = await requestJson<{ tasks: unknown[] }>(`${api}/v1/tasks?limit=200`, {
          token: tokens.gp,
        });
        expect(tasks.status).toBe(200);
        expect(tasks.body.tasks.length).toBe(TASKS);
      },
      { timeoutMs: 120_000 },
    );
    // A break-glass by an unrelated clinician: an alert for the practice's privacy officer.
    const glass = await requestJson(`${api}/v1/patients/${PATIENT}/break-glass`, {
      method: 'POST',
      token: tokens.unrelated,
      body: { reason: 'Unconscious in the emergency department, no history available' },
    });
    expect(glass.status).toBe(201);
    return { tokens, entryEventId };
  }

  function service(serviceName: string): RunningService {
    const found = services.find((candidate) => candidate.name === serviceName);
    if (!found) throw new Error(`${serviceName} is not running`);
    return found;
  }

  const stop = (): Promise<void> => stopPlatform(name, services, saved);

  return { env, start, stop, service };
}
