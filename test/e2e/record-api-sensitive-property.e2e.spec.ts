import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import {
  LEGALLY_PROTECTED_CATEGORIES,
  SAFEGUARDING_TRAINED,
  type Role,
  type SourceDomain,
} from '@carelog/domain';
import { isMappedEntryType, resourceTypeOf, SEARCHABLE_RESOURCE_TYPES } from '@carelog/fhir';
import { mintLocalToken } from '@carelog/auth';
import { createKafka, recordEntryTopic } from '@carelog/kafka';
import { readModelDataSource } from '@carelog/read-model';
import { eventually, requestJson, testNhsNumber } from '@carelog/testing';
import fc from 'fast-check';
import { accessPlatform, event, STAFF } from './support/access-platform';

/**
 * The sensitive-categories property through real processes: generated records with legally
 * protected and safeguarding entries, read by every kind of reader through every route.
 */
describe('record API: sensitive categories never reach a reader who may not see them', () => {
  const platform = accessPlatform('access-property', { api: 4360, projection: 4370 });
  const { tokens, env, codec } = platform;
  beforeAll(() => platform.start(), 240_000);
  afterAll(() => platform.stop());

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
            const base = `${platform.baseUrl}/v1/patients/${nhsNumber}`;
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
            const fhir = `${platform.baseUrl}/fhir/R4`;
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
});
