import { randomUUID } from 'node:crypto';
import { readModelDataSource } from '@carelog/read-model';
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
import fc from 'fast-check';
import { LEGALLY_PROTECTED_CATEGORIES, SAFEGUARDING_TRAINED } from '@carelog/domain';
import { eventually, exampleEvent, requestJson, testNhsNumber, uniqueName } from '@carelog/testing';
import { isMappedEntryType, resourceTypeOf, SEARCHABLE_RESOURCE_TYPES } from '@carelog/fhir';

/**
 * The record API's access rules through real processes: every endpoint, every role, and an
 * own patient, another patient, one that does not exist, and a malformed id.
 */
describe('record API access rules', () => {
  const codec = loadEventCodec();
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('access'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_access'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-access'),
    CARELOG_AUDIT_SCHEMA: uniqueName('audit_access'),
  };
  const log = serviceLog('record-api-access.e2e');
  const saved = { ...process.env };
  const services: RunningService[] = [];
  let api: RunningService;

  const own = testNhsNumber(424_242);
  const other = testNhsNumber(515_151);
  const nobody = testNhsNumber(616_161);

  /** Who works where: each organisation has a relationship with `own` only. */
  const STAFF: Array<[Role, string]> = [
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
  const tokens = new Map<Role, string>();
  const entries: Record<string, UncheckedRecordEntryEvent> = {};

  function event(
    type: string,
    nhsNumber: string,
    organisation: string,
    payload?: Record<string, unknown>,
  ): [SourceDomain, UncheckedRecordEntryEvent] {
    const rule = entryTypeRule(type);
    const domain = (rule?.domain === 'any' ? 'gp' : rule?.domain) ?? 'gp';
    return [
      domain,
      exampleEvent(type, { nhsNumber, organisation, ...(payload ? { payload } : {}) }),
    ];
  }

  beforeAll(async () => {
    Object.assign(process.env, env);
    const kafka = createKafka('access-test');
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

    const projection = startService({ name: 'projection', port: 4310, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    api = startService({ name: 'record-api', port: 4300, env, onOutput: log });
    services.push(api);
    await waitForReady(api);
    const gp = tokens.get('gp') ?? '';
    // Projected once the GP accounts for all ten entries of `own` (the carer approval is a consent, not an entry).
    await eventually(
      async () => {
        const record = await requestJson<{ entries: unknown[]; withheld: number }>(
          `${api.baseUrl}/v1/patients/${own}/record?limit=200`,
          { token: gp },
        );
        expect(record.status).toBe(200);
        expect(record.body.entries.length + record.body.withheld).toBe(10);
        const carer = await requestJson(`${api.baseUrl}/v1/patients/${own}/record`, {
          token: tokens.get('carer') ?? '',
        });
        expect(carer.status).toBe(200);
      },
      { timeoutMs: 60_000 },
    );
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    const admin = createKafka('access-test-cleanup').admin();
    await admin.connect();
    await admin.deleteTopics({ topics: recordEntryTopics() }).catch(() => undefined);
    await admin.disconnect();
    process.env = saved;
  });

  const ROLES: Role[] = [...STAFF.map(([role]) => role), 'patient', 'carer'];
  type Endpoint = [string, (nhs: string) => string, ('GET' | 'POST' | 'PUT')?, unknown?];
  const ENDPOINTS: Endpoint[] = [
    ['record', (nhs) => `/v1/patients/${nhs}/record`],
    ['journal', (nhs) => `/v1/patients/${nhs}/journal`],
    [
      'entry',
      (nhs) =>
        `/v1/patients/${nhs}/entries/${entries[`RegistrationStarted:${nhs}`]?.eventId ?? randomUUID()}`,
    ],
    [
      'history',
      (nhs) =>
        `/v1/patients/${nhs}/entries/${entries[`RegistrationStarted:${nhs}`]?.eventId ?? randomUUID()}/history`,
    ],
    ['access-log', (nhs) => `/v1/patients/${nhs}/access-log`],
    [
      'contributions',
      (nhs) => `/v1/patients/${nhs}/contributions`,
      'POST',
      { type: 'PatientNoteAdded', payload: { note: 'Slept better.' } },
    ],
    [
      'consents',
      (nhs) => `/v1/patients/${nhs}/consents/opt-outs/record-sharing`,
      'PUT',
      { effective: false },
    ],
  ];

  /** What each role may do with its own patient, by endpoint. */
  const expectedOwnStatus = (role: Role, endpoint: string): number => {
    if (endpoint === 'access-log')
      return role === 'patient' || role === 'privacy-officer' ? 200 : 403;
    if (role === 'privacy-officer') return 404;
    if (endpoint === 'contributions' || endpoint === 'consents') {
      // Only the patient writes these here (a carer may contribute, but not a patient's note); staff get 403.
      return role === 'patient' ? 202 : 403;
    }
    if (endpoint === 'entry' || endpoint === 'history') {
      // The registration is in the care-relationships section: in every view but the carer's, pharmacist's and care worker's.
      return ['carer', 'pharmacist', 'care-worker'].includes(role) ? 404 : 200;
    }
    return 200;
  };

  const cases = ROLES.flatMap((role) =>
    ENDPOINTS.map(
      ([name, path, method, body]) => [role, name, path, method ?? 'GET', body] as const,
    ),
  );

  it.each(cases)(
    '%s, %s: own patient as the rules say; another patient exactly as one that does not exist; malformed id refused',
    async (role, name, path, method, body) => {
      const token = tokens.get(role) ?? '';
      const get = (nhs: string) =>
        requestJson<{ code?: string }>(`${api.baseUrl}${path(nhs)}`, {
          token,
          method,
          ...(body === undefined ? {} : { body, headers: { 'Idempotency-Key': randomUUID() } }),
        });
      const [mine, theirs, missing, malformed] = await Promise.all([
        get(own),
        get(other),
        get(nobody),
        get('12345abcde'),
      ]);
      expect(mine.status).toBe(expectedOwnStatus(role, name));
      if (!(role === 'privacy-officer' && name === 'access-log')) {
        expect(theirs.status).toBe(404);
        expect(theirs.body).toEqual(missing.body);
        expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
        expect(theirs.body.code).toBe('patient-not-found');
      }
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('invalid-nhs-number');
    },
  );

  /** The same matrix through the FHIR R4 routes: the same gate, so the same answers (#17). */
  const FHIR_ENDPOINTS: Array<[string, (nhs: string) => string]> = [
    ['fhir Patient', (nhs) => `/fhir/R4/Patient/${nhs}`],
    ['fhir $everything', (nhs) => `/fhir/R4/Patient/${nhs}/$everything`],
    ['fhir search', (nhs) => `/fhir/R4/Encounter?patient=${nhs}`],
    ['fhir search by reference', (nhs) => `/fhir/R4/Provenance?patient=Patient/${nhs}`],
  ];
  const fhirCases = ROLES.flatMap((role) =>
    FHIR_ENDPOINTS.map(([name, path]) => [role, name, path] as const),
  );

  it.each(fhirCases)(
    '%s, %s: as the JSON record; another patient exactly as one that does not exist, as an OperationOutcome',
    async (role, _name, path) => {
      const token = tokens.get(role) ?? '';
      type Outcome = {
        resourceType?: string;
        issue?: Array<{ details?: { coding?: Array<{ code?: string }> } }>;
      };
      const get = (nhs: string) => requestJson<Outcome>(`${api.baseUrl}${path(nhs)}`, { token });
      const codeOf = (outcome: Outcome) => outcome.issue?.[0]?.details?.coding?.[0]?.code;
      const [mine, theirs, missing, malformed, json] = await Promise.all([
        get(own),
        get(other),
        get(nobody),
        get('12345abcde'),
        requestJson(`${api.baseUrl}/v1/patients/${own}/record`, { token }),
      ]);
      expect(mine.status).toBe(json.status);
      expect(mine.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
      expect(theirs.body.resourceType).toBe('OperationOutcome');
      expect(codeOf(theirs.body)).toBe('patient-not-found');
      expect(malformed.status).toBe(400);
      expect(codeOf(malformed.body)).toBe('invalid-nhs-number');
    },
  );

  it.each(ROLES)(
    "%s, fhir read by id: an entry exactly as the JSON entry route; another patient's entry exactly as one that does not exist",
    async (role) => {
      const token = tokens.get(role) ?? '';
      const consultation = (nhs: string) => entries[`ConsultationRecorded:${nhs}`]?.eventId ?? '';
      const [mine, theirs, missing, history, json] = await Promise.all([
        requestJson(`${api.baseUrl}/fhir/R4/Encounter/${consultation(own)}`, { token }),
        requestJson(`${api.baseUrl}/fhir/R4/Encounter/${consultation(other)}`, { token }),
        requestJson(`${api.baseUrl}/fhir/R4/Encounter/${randomUUID()}`, { token }),
        requestJson(`${api.baseUrl}/fhir/R4/Encounter/${consultation(own)}/_history`, { token }),
        requestJson(`${api.baseUrl}/v1/patients/${own}/entries/${consultation(own)}`, { token }),
      ]);
      expect(json.status === 200 ? 200 : 404).toBe(mine.status);
      expect(history.status).toBe(mine.status);
      expect(theirs.status).toBe(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
    },
  );

  it('property: no legally protected or safeguarding entry reaches a caller who may not see it, through record, journal, digests and history, and none is counted', async () => {
    const kafka = createKafka('access-property');
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const organisations = ['A81001', '716', 'SH001'];
    const readers: Role[] = [
      'gp',
      'practice-nurse',
      'social-worker',
      'care-worker',
      'community-nurse',
      'urgent-care',
      'patient',
      'carer',
    ];
    let patientSeed = 700_000;
    const readModel = readModelDataSource({
      schema: `${env.CARELOG_READ_MODEL_SCHEMA}_v1`,
      applicationName: 'property-wait',
      poolSize: 2,
    });
    await readModel.initialize();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              type: fc.constantFrom(
                'ConsultationRecorded',
                'CareVisitRecorded',
                'TestResultRecorded',
                'MedicationPrescribed',
                'SafeguardingConcernRaised',
                // Served as FHIR since #17's wider mapping: an Encounter, an Observation a
                // patient performed, a Flag carelog raised.
                'PharmacyConsultationRecorded',
                'PatientNoteAdded',
                'HomeReadingsFlagged',
                // Served since the rest of the mapping: an Observation, a ClinicalImpression and
                // a CarePlan (a care-team change, a CareTeam, is among the seeds).
                'WoundCareRecorded',
                'AssessmentCompleted',
                'EndOfLifeCareRecorded',
              ),
              organisation: fc.constantFrom(...organisations),
              sensitivity: fc.subarray([...LEGALLY_PROTECTED_CATEGORIES], { maxLength: 2 }),
            }),
            { minLength: 1, maxLength: 6 },
          ),
          fc.subarray(
            LEGALLY_PROTECTED_CATEGORIES.flatMap((category) =>
              organisations.map((organisation) => ({ category, organisation })),
            ),
            { maxLength: 3 },
          ),
          fc.constantFrom(...readers),
          async (specs, shares, reader) => {
            // Spaced seeds: testNhsNumber skips invalid numbers, so neighbouring seeds can give the same one.
            const nhsNumber = testNhsNumber((patientSeed += 13));
            const patientToken = await mintLocalToken({
              role: 'patient',
              organisation: 'NHSLOGIN',
              nhsNumber,
              userId: `p-${nhsNumber}`,
            });
            const seeds: Array<[SourceDomain, UncheckedRecordEntryEvent]> = [
              event('RegistrationStarted', nhsNumber, 'A81001'),
              event('CaseOpened', nhsNumber, '716'),
              event('CareTeamMemberAdded', nhsNumber, 'A81001', {
                organisation: 'RYY',
                role: 'community-nurse',
                team: null,
                reason: 'wounds',
              }),
              event('TriageOutcomeRecorded', nhsNumber, 'NHS111'),
              event('CarerApproved', nhsNumber, 'A81001', {
                carerUserId: 'carer-jo',
                carerName: 'Jo',
                relationshipToPatient: 'son',
                scope: ['social-care', 'medicines', 'gp', 'results'],
                notifyOnCarePlanChange: false,
              }),
              ...shares.map((share) =>
                event('SensitiveInformationShared', nhsNumber, 'A81001', {
                  category: share.category,
                  sharedWithOrganisation: share.organisation,
                  consentGivenAt: new Date().toISOString(),
                }),
              ),
            ];
            const generated = specs.map((spec) => {
              const [domain, generatedEvent] = event(spec.type, nhsNumber, spec.organisation);
              return [domain, { ...generatedEvent, sensitivity: spec.sensitivity }] as [
                SourceDomain,
                UncheckedRecordEntryEvent,
              ];
            });
            for (const [domain, sent] of [...seeds, ...generated]) {
              await producer.send({
                topic: recordEntryTopic(domain),
                acks: -1,
                messages: [{ key: nhsNumber, value: codec.encode(sent) }],
              });
            }
            // Safeguarding concerns reach no reader who could vouch for all of them (never the
            // patient): wait in the read model itself until every entry is projected.
            await eventually(
              async () => {
                const [projected] = await readModel.query<Array<{ entries: number }>>(
                  'SELECT count(*)::int AS entries FROM record_entry WHERE nhs_number = $1',
                  [nhsNumber],
                );
                expect(projected?.entries).toBe(
                  seeds.length - 1 - shares.length + generated.length,
                );
              },
              { timeoutMs: 30_000, intervalMs: 50 },
            );

            const readerOrganisation = STAFF.find(([role]) => role === reader)?.[1] ?? 'NHSLOGIN';
            const token = reader === 'patient' ? patientToken : (tokens.get(reader) ?? '');
            const allowed = (sent: UncheckedRecordEntryEvent) =>
              (sent.type !== 'SafeguardingConcernRaised' ||
                (SAFEGUARDING_TRAINED as readonly string[]).includes(reader)) &&
              sent.sensitivity.every(
                (category) =>
                  reader === 'patient' ||
                  (reader !== 'carer' &&
                    (sent.source.organisation === readerOrganisation ||
                      shares.some(
                        (share) =>
                          share.category === category && share.organisation === readerOrganisation,
                      ))),
              );
            const byId = new Map(generated.map(([, sent]) => [sent.eventId, sent]));
            const reached = new Set<string>();
            const base = `${api.baseUrl}/v1/patients/${nhsNumber}`;
            const record = await requestJson<{
              entries: Array<{ eventId: string; type: string }>;
              withheld: number;
            }>(`${base}/record?limit=200`, { token });
            for (const entry of record.body.entries ?? []) reached.add(entry.eventId);
            // What a reader is not shown is counted, never listed, and what is protected from
            // them is not even counted: shown and withheld make the whole record they may know of.
            const protectedFromReader = generated.filter(([, sent]) => !allowed(sent)).length;
            expect(record.body.entries.length + record.body.withheld).toBe(
              seeds.length - 1 - shares.length + generated.length - protectedFromReader,
            );
            // A filtered query counts nothing, so no filter can locate what is left out.
            const filtered = await requestJson<{ withheld: number | null }>(
              `${base}/record?type=ConsultationRecorded`,
              { token },
            );
            expect(filtered.body.withheld).toBeNull();
            // Digest and fold lines sit in the narrative and section timelines, beside entries.
            type Line = { kind: string; eventId?: string; id?: string; count?: number };
            type JournalBody = {
              narrative?: Line[];
              sections?: Array<{ entries: Line[] }>;
              expanded?: Record<string, Array<{ eventId: string }>>;
            };
            const linesOf = (body: JournalBody) => [
              ...(body.narrative ?? []),
              ...(body.sections ?? []).flatMap((section) => section.entries),
            ];
            const first = await requestJson<JournalBody>(`${base}/journal`, { token });
            const ids = linesOf(first.body)
              .flatMap((line) => (line.kind === 'entry' ? [] : [line.id]))
              .join(',');
            const journal = await requestJson<JournalBody>(
              `${base}/journal${ids ? `?expand=${encodeURIComponent(ids)}` : ''}`,
              { token },
            );
            for (const item of [
              ...linesOf(journal.body).filter((line) => line.kind === 'entry'),
              ...Object.values(journal.body.expanded ?? {}).flat(),
            ]) {
              if (item.eventId) reached.add(item.eventId);
            }
            // A digest or fold line counts exactly the entries it expands to: nothing hidden is counted in it.
            for (const line of linesOf(journal.body).filter((line) => line.kind !== 'entry'))
              expect(journal.body.expanded?.[line.id ?? '']?.length).toBe(line.count);
            for (const [, sent] of generated) {
              const history = await requestJson<{ versions?: Array<{ eventId: string }> }>(
                `${base}/entries/${sent.eventId}/history`,
                { token },
              );
              for (const version of history.body.versions ?? []) reached.add(version.eventId);
            }
            // The same record through every FHIR route (#17): $everything, each search, each
            // entry's read and _history. A resource's id is its entry's event id.
            const fhir = `${api.baseUrl}/fhir/R4`;
            type FhirBundle = {
              entry?: Array<{ resource: { resourceType: string; id?: string } }>;
            };
            const fromBundle = (bundle: FhirBundle) => {
              for (const item of bundle.entry ?? [])
                if (item.resource.resourceType !== 'Patient' && item.resource.id)
                  reached.add(item.resource.id);
            };
            const everything = (
              await requestJson<FhirBundle>(`${fhir}/Patient/${nhsNumber}/$everything?_count=200`, {
                token,
              })
            ).body;
            fromBundle(everything);
            // FHIR shows exactly the mapped entries the JSON record shows this reader, no more, no fewer.
            expect(
              new Set(
                (everything.entry ?? [])
                  .filter((item) => item.resource.resourceType !== 'Patient')
                  .map((item) => item.resource.id),
              ),
            ).toEqual(
              new Set(
                (record.body.entries ?? [])
                  .filter((entry) => isMappedEntryType(entry.type))
                  .map((entry) => entry.eventId),
              ),
            );
            for (const type of SEARCHABLE_RESOURCE_TYPES)
              fromBundle(
                (
                  await requestJson<FhirBundle>(`${fhir}/${type}?patient=${nhsNumber}&_count=200`, {
                    token,
                  })
                ).body,
              );
            for (const [, sent] of generated) {
              if (!isMappedEntryType(sent.type)) continue;
              const type = resourceTypeOf(sent.type);
              for (const path of [`${type}/${sent.eventId}`, `Provenance/${sent.eventId}`]) {
                const read = await requestJson<{ id?: string }>(`${fhir}/${path}`, { token });
                if (read.status === 200 && read.body.id) reached.add(read.body.id);
              }
              fromBundle(
                (
                  await requestJson<FhirBundle>(`${fhir}/${type}/${sent.eventId}/_history`, {
                    token,
                  })
                ).body,
              );
            }
            for (const id of reached) {
              const sent = byId.get(id);
              if (sent) expect({ id, allowed: allowed(sent) }).toEqual({ id, allowed: true });
            }
          },
        ),
        { numRuns: 12 },
      );
    } finally {
      await producer.disconnect();
      await readModel.destroy();
    }
  });

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
        `${api.baseUrl}/v1/patients/${other}/record`,
        { token: gp },
      );
      expect(denied.status).toBe(404);
      expect(denied.body.code).toBe('patient-not-found');
      allowedRead = requestJson(`${api.baseUrl}/v1/patients/${own}/record`, { token: gp });
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
          `${api.baseUrl}/v1/patients/${nhsNumber}/journal`,
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
    // The whole log (the matrices above read `other` well over a page's default 100 times).
    const before = await requestJson<{ accesses: unknown[] }>(
      `${api.baseUrl}/v1/patients/${other}/access-log?limit=500`,
      { token: tokens.get('privacy-officer') ?? '' },
    );
    await requestJson(`${api.baseUrl}/v1/patients/${other}/record`, {
      token: tokens.get('social-worker') ?? '',
    });
    const after = await requestJson<{
      accesses: Array<{ actor: { role: string }; outcome: string; action: string }>;
    }>(`${api.baseUrl}/v1/patients/${other}/access-log?limit=500`, {
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
    const mine = await requestJson<{
      accesses: Array<{ actor: { role: string; organisation: string }; outcome: string }>;
    }>(`${api.baseUrl}/v1/patients/${own}/access-log`, { token: patient });
    const roles = new Set(
      mine.body.accesses
        .filter((access) => access.outcome === 'allowed')
        .map((access) => access.actor.role),
    );
    for (const role of ['gp', 'social-worker', 'midwife', 'urgent-care', 'carer'])
      expect(roles).toContain(role);
  });

  it('lets staff without a relationship in only by breaking glass, with a reason, which the privacy officer sees', async () => {
    // A user of its own: break-glass grants outlive a test run (they are the record API's own state).
    const paramedic = uniqueName('paramedic');
    const stranger = await mintLocalToken({
      role: 'urgent-care',
      organisation: 'RRK',
      userId: paramedic,
    });
    const read = () => requestJson(`${api.baseUrl}/v1/patients/${own}/record`, { token: stranger });
    expect((await read()).status).toBe(404);
    const noReason = await requestJson<{ code: string }>(
      `${api.baseUrl}/v1/patients/${own}/break-glass`,
      { method: 'POST', token: stranger, body: { reason: 'urgent' } },
    );
    expect(noReason.status).toBe(400);
    expect(noReason.body.code).toBe('break-glass-reason-required');
    const patientTries = await requestJson(`${api.baseUrl}/v1/patients/${own}/break-glass`, {
      method: 'POST',
      token: tokens.get('patient') ?? '',
      body: { reason: 'I want to see it all' },
    });
    expect(patientTries.status).toBe(403);
    const granted = await requestJson<{ expiresAt: string }>(
      `${api.baseUrl}/v1/patients/${own}/break-glass`,
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
    }>(`${api.baseUrl}/v1/privacy/break-glass-alerts`, {
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
      `${api.baseUrl}/v1/patients/${own}/consents/seals/${consultation?.eventId ?? ''}`,
      {
        method: 'PUT',
        token: tokens.get('patient') ?? '',
        headers: { 'Idempotency-Key': randomUUID() },
        body: { sealedFrom: { kind: 'organisation', value: 'R1H' } },
      },
    );
    expect(sealed.status).toBe(202);
    const path = `${api.baseUrl}/v1/patients/${own}/entries/${consultation?.eventId ?? ''}`;
    await eventually(
      async () =>
        expect((await requestJson(path, { token: tokens.get('midwife') ?? '' })).status).toBe(404),
      { timeoutMs: 30_000 },
    );
    expect((await requestJson(path, { token: tokens.get('gp') ?? '' })).status).toBe(200);
  });

  it('takes a patient contribution onto the patient topic and into the record', async () => {
    const reading = await requestJson<{ eventId: string; topic: string }>(
      `${api.baseUrl}/v1/patients/${own}/contributions`,
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
          `${api.baseUrl}/v1/patients/${own}/entries/${reading.body.eventId}`,
          { token: tokens.get('patient') ?? '' },
        );
        expect(entry.status).toBe(200);
      },
      { timeoutMs: 30_000 },
    );
    const otherPatient = await requestJson(`${api.baseUrl}/v1/patients/${other}/contributions`, {
      method: 'POST',
      token: tokens.get('patient') ?? '',
      headers: { 'Idempotency-Key': randomUUID() },
      body: { type: 'PatientNoteAdded', payload: { note: 'not mine' } },
    });
    expect(otherPatient.status).toBe(404);
  });
});
