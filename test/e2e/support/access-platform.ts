import { mintLocalToken } from '@carelog/auth';
import { loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import { entryTypeRule, type Role, type SourceDomain } from '@carelog/domain';
import {
  createKafka,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
} from '@carelog/kafka';
import { startService, waitForReady, type RunningService, serviceLog } from '@carelog/local-infra';
import { eventually, exampleEvent, requestJson, testNhsNumber, uniqueName } from '@carelog/testing';

/** Stops a platform's services, deletes its entry topics and gives back the environment it changed. */
export async function stopPlatform(
  name: string,
  services: RunningService[],
  saved: NodeJS.ProcessEnv,
): Promise<void> {
  await Promise.all(services.map((service) => service.stop()));
  const admin = createKafka(`${name}-test-cleanup`).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
  await admin.disconnect();
  process.env = saved;
}

/** Who works where: each organisation has a relationship with `own` only. */
export const STAFF: Array<[Role, string]> = [
  ['gp', 'A81001'],
  ['practice-nurse', 'A81001'],
  ['community-nurse', 'RYY'],
  ['social-worker', '716'],
  ['care-worker', '716'],
  ['midwife', 'R1H'],
  ['health-visitor', 'RYX'],
  ['urgent-care', 'NHS111'],
  ['pharmacist', 'FA123'],
  ['privacy-officer', 'A81001'],
];
export const ROLES: Role[] = [...STAFF.map(([role]) => role), 'patient', 'carer'];

/** The patient every organisation above is related to, another patient, and one that does not exist. */
export const own = testNhsNumber(424_242);
export const other = testNhsNumber(515_151);
export const nobody = testNhsNumber(616_161);

/** An example event of a type for a patient and organisation, with the topic's domain. */
export function event(
  type: string,
  nhsNumber: string,
  organisation: string,
  payload?: Record<string, unknown>,
): [SourceDomain, UncheckedRecordEntryEvent] {
  const rule = entryTypeRule(type);
  const domain = (rule?.domain === 'any' ? 'gp' : rule?.domain) ?? 'gp';
  return [domain, exampleEvent(type, { nhsNumber, organisation, ...(payload ? { payload } : {}) })];
}

/**
 * The record API and the projection as processes, on topics, a read model and an audit trail of
 * their own, with `own` seeded (a relationship for every organisation of STAFF, a carer, a few
 * entries) and `other` registered elsewhere: what the record-api access specs share. Each spec
 * file names its own ports (test/e2e/service-ports.spec.ts).
 */
export function accessPlatform(name: string, ports: { api: number; projection: number }) {
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName(name),
    CARELOG_READ_MODEL_SCHEMA: uniqueName(`read_model_${name.replace(/-/g, '_')}`),
    CARELOG_PROJECTION_GROUP: uniqueName(`projection-${name}`),
    CARELOG_AUDIT_SCHEMA: uniqueName(`audit_${name.replace(/-/g, '_')}`),
  };
  const codec = loadEventCodec();
  const log = serviceLog(`${name}.e2e`);
  const saved = { ...process.env };
  const services: RunningService[] = [];
  const tokens = new Map<Role, string>();
  const entries: Record<string, UncheckedRecordEntryEvent> = {};
  let api: RunningService | undefined;

  async function start(): Promise<void> {
    Object.assign(process.env, env);
    const kafka = createKafka(`${name}-test`);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics());
    await admin.disconnect();
    const seeded: Array<[SourceDomain, UncheckedRecordEntryEvent]> = [
      event('RegistrationStarted', own, 'A81001'),
      event('CaseOpened', own, '716'),
      event('MaternityBookingRecorded', own, 'R1H'),
      event('CaseloadTransferredToHealthVisiting', own, 'R1H', {
        healthVisitingOrganisation: 'RYX',
        transferDate: '2026-05-01',
        childNhsNumber: null,
      }),
      event('TriageOutcomeRecorded', own, 'NHS111'),
      event('CareTeamMemberAdded', own, 'A81001', {
        organisation: 'RYY',
        role: 'community-nurse',
        team: null,
        reason: 'leg ulcer',
      }),
      event('CareTeamMemberAdded', own, 'A81001', {
        organisation: 'FA123',
        role: 'pharmacist',
        team: null,
        reason: 'medicines review',
      }),
      event('CarerApproved', own, 'A81001', {
        carerUserId: 'carer-jo',
        carerName: 'Jo',
        relationshipToPatient: 'daughter',
        scope: ['social-care', 'medicines'],
        notifyOnCarePlanChange: true,
      }),
      event('ConsultationRecorded', own, 'A81001'),
      event('AllergyRecorded', own, 'A81001'),
      event('CarePlanChanged', own, '716'),
      event('RegistrationStarted', other, 'B82002'),
      event('ConsultationRecorded', other, 'B82002'),
    ];
    for (const [, seededEvent] of seeded)
      entries[`${seededEvent.type}:${seededEvent.patient.nhsNumber}`] = seededEvent;
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const [domain, seededEvent] of seeded) {
      await producer.send({
        topic: recordEntryTopic(domain),
        acks: -1,
        messages: [{ key: seededEvent.patient.nhsNumber, value: codec.encode(seededEvent) }],
      });
    }
    await producer.disconnect();
    for (const [role, organisation] of STAFF)
      tokens.set(role, await mintLocalToken({ role, organisation, userId: `${role}-user` }));
    tokens.set(
      'patient',
      await mintLocalToken({
        role: 'patient',
        organisation: 'NHSLOGIN',
        userId: 'patient-own',
        nhsNumber: own,
      }),
    );
    tokens.set(
      'carer',
      await mintLocalToken({ role: 'carer', organisation: 'NHSLOGIN', userId: 'carer-jo' }),
    );

    const projection = startService({
      name: 'projection',
      port: ports.projection,
      env,
      onOutput: log,
    });
    services.push(projection);
    await waitForReady(projection);
    const started = startService({ name: 'record-api', port: ports.api, env, onOutput: log });
    services.push(started);
    await waitForReady(started);
    api = started;
    const gp = tokens.get('gp') ?? '';
    // Projected once the GP accounts for all ten entries of `own` (the carer approval is a consent, not an entry).
    await eventually(
      async () => {
        const record = await requestJson<{ entries: unknown[]; withheld: number }>(
          `${started.baseUrl}/v1/patients/${own}/record?limit=200`,
          { token: gp },
        );
        expect(record.status).toBe(200);
        expect(record.body.entries.length + record.body.withheld).toBe(10);
        const carer = await requestJson(`${started.baseUrl}/v1/patients/${own}/record`, {
          token: tokens.get('carer') ?? '',
        });
        expect(carer.status).toBe(200);
      },
      { timeoutMs: 60_000 },
    );
  }

  const stop = (): Promise<void> => stopPlatform(name, services, saved);

  return {
    env,
    codec,
    tokens,
    entries,
    start,
    stop,
    /** The record API's base URL, once started. */
    get baseUrl(): string {
      if (!api) throw new Error('the access platform is not started');
      return api.baseUrl;
    },
  };
}
