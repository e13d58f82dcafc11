import type { RecordEntryEvent, UncheckedRecordEntryEvent } from '@carelog/codec';
import type { ConsentFacts, PatientAccess, Viewer } from '@carelog/domain';
import type { PositionedEvent } from '@carelog/kafka';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import { exampleEvent, nextTestNhsNumber, uniqueName } from '@carelog/testing';
import type { DataSource } from 'typeorm';
// The projection's writer and the record API's query in one process, on one read model;
// services have no package entry, so this test reaches into their sources.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { planEvents } from '../../services/projection/src/lifelong-record/lifelong-record.projection';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { RecordWriter } from '../../services/projection/src/lifelong-record/record-writer';
// eslint-disable-next-line @nx/enforce-module-boundaries
import type { OpenedPatient } from '../../services/record-api/src/patient-gate/patient-gate';
// eslint-disable-next-line @nx/enforce-module-boundaries
import {
  disclosureTo,
  leftOutCount,
  RecordQuery,
} from '../../services/record-api/src/patient-record/record-query';

/**
 * `withheld` from record_summary (issue 20, part 4): a varied record projected by the
 * projection's own writer into real Postgres, then, for every kind of reader and consent
 * situation, the count from the summary equals the count over every entry of the record decided
 * one by one by entryDisclosure (what the grouped scan computed). And the summary a rebuild
 * writes, in other batches, is the live one.
 */
describe('withheld counted from the record summary', () => {
  const live = uniqueName('read_model_summary');
  const rebuilt = uniqueName('read_model_summary_rebuilt');
  const patient = nextTestNhsNumber();
  const other = nextTestNhsNumber();
  let liveSource: DataSource;
  let rebuiltSource: DataSource;
  let offset = 0;
  const history: PositionedEvent[] = [];

  const GP = 'A81001';
  const OTHER_GP = 'B82002';
  const COUNCIL = '716';
  const NURSES = 'RY448';

  const positioned = (event: UncheckedRecordEntryEvent): PositionedEvent => ({
    event: event as RecordEntryEvent,
    position: { topic: 'summary-test', partition: 0, offset: String(offset++) },
  });

  /** Projects events as the projection does, in one batch, into the live read model. */
  const project = async (...events: UncheckedRecordEntryEvent[]) => {
    const batch = events.map(positioned);
    history.push(...batch);
    await new RecordWriter(liveSource).write(
      { consumerGroup: 'summary-test', topic: 'summary-test', partition: 0 },
      planEvents(batch),
      BigInt(offset),
    );
  };

  const entry = (
    type: string,
    organisation: string,
    extra: Partial<Parameters<typeof exampleEvent>[1]> = {},
  ) => exampleEvent(type, { nhsNumber: patient, organisation, attention: null, ...extra });

  beforeAll(async () => {
    liveSource = readModelDataSource({ schema: live, applicationName: 'summary-live' });
    rebuiltSource = readModelDataSource({ schema: rebuilt, applicationName: 'summary-rebuilt' });
    await liveSource.initialize();
    await rebuiltSource.initialize();
    await migrateReadModel(liveSource);
    await migrateReadModel(rebuiltSource);
  });

  afterAll(async () => {
    await liveSource?.destroy();
    await rebuiltSource?.destroy();
  });

  const ids: Record<string, string> = {};

  it('projects a varied record, with corrections', async () => {
    const normalResult = entry('TestResultRecorded', GP, {
      payload: {
        ...exampleEvent('TestResultRecorded', { nhsNumber: patient }).payload,
        interpretation: 'normal',
      },
    });
    const abnormalResult = entry('TestResultRecorded', GP);
    const calmVisit = entry('CareVisitRecorded', COUNCIL);
    const worryingVisit = entry('CareVisitRecorded', COUNCIL, {
      payload: { ...calmVisit.payload, concernsRaised: true },
    });
    const wrongVisit = entry('CareVisitRecorded', COUNCIL);
    const wound = entry('WoundCareRecorded', NURSES);
    const consultation = entry('ConsultationRecorded', GP);
    const privateConsultation = entry('ConsultationRecorded', OTHER_GP, {
      sensitivity: ['sexual-health'],
    });
    const flagged = entry('CareVisitRecorded', COUNCIL, {
      attention: { role: 'gp', organisation: GP, reason: 'Falls twice this week' },
    });
    const safeguarding = entry('SafeguardingConcernRaised', COUNCIL);
    const assessment = entry('AssessmentCompleted', COUNCIL);
    const issued = [1, 2, 3].map(() => entry('MedicationIssued', GP));
    const visits = [1, 2, 3, 4].map(() => entry('CareVisitRecorded', COUNCIL));
    const othersEntry = exampleEvent('CareVisitRecorded', {
      nhsNumber: other,
      organisation: COUNCIL,
      attention: null,
    });
    Object.assign(ids, {
      normalResult: normalResult.eventId,
      calmVisit: calmVisit.eventId,
      wound: wound.eventId,
      visit: visits[0]?.eventId,
      consultation: consultation.eventId,
      assessment: assessment.eventId,
    });
    await project(
      normalResult,
      abnormalResult,
      calmVisit,
      worryingVisit,
      wrongVisit,
      wound,
      consultation,
      privateConsultation,
      flagged,
      safeguarding,
      othersEntry,
    );
    await project(assessment, ...issued, ...visits);
    const amend = (
      original: UncheckedRecordEntryEvent,
      changes: Partial<UncheckedRecordEntryEvent>,
    ): UncheckedRecordEntryEvent => ({
      ...exampleEvent(original.type, {
        nhsNumber: patient,
        organisation: original.source.organisation,
        attention: original.attention,
        payload: original.payload,
        sensitivity: [...original.sensitivity],
        supersedes: { eventId: original.eventId, reason: 'Corrected' },
      }),
      ...changes,
    });
    // A normal result amended to abnormal and a care visit amended to raise a concern (payload
    // facts the rules read change), an assessment amended to carry safeguarding and then
    // amended again without it (sensitivity only grows), a consultation amended to carry a
    // protected category, a flag moved to another recipient, a care visit entered in error.
    const abnormalNow = amend(normalResult, {
      payload: { ...normalResult.payload, interpretation: 'abnormal' },
    });
    const concernNow = amend(calmVisit, {
      payload: { ...calmVisit.payload, concernsRaised: true },
    });
    const assessmentGuarded = amend(assessment, { sensitivity: ['safeguarding'] });
    await project(abnormalNow, concernNow, assessmentGuarded);
    await project(
      amend(assessmentGuarded, { sensitivity: [] }),
      amend(consultation, { sensitivity: ['termination'] }),
      amend(flagged, {
        attention: { role: 'community-nurse', organisation: NURSES, reason: 'Falls' },
      }),
      exampleEvent('EntryEnteredInError', {
        nhsNumber: patient,
        organisation: COUNCIL,
        payload: {
          entryEventId: wrongVisit.eventId,
          entryType: 'CareVisitRecorded',
          reason: 'Wrong patient',
        },
      }),
    );
    // Today's views decide no reader differently by these payload facts, so they are checked
    // where the summary takes them from: the entry's current version, and every version's categories.
    const factsOf = async (eventId: string) =>
      (
        await liveSource.query<Array<{ rule_payload: unknown; sensitivity_ever: string[] }>>(
          `SELECT rule_payload, sensitivity_ever FROM record_entry WHERE event_id = $1`,
          [eventId],
        )
      )[0];
    expect(await factsOf(normalResult.eventId)).toEqual({
      rule_payload: { interpretation: 'abnormal' },
      sensitivity_ever: [],
    });
    expect(await factsOf(calmVisit.eventId)).toEqual({
      rule_payload: { concernsRaised: true },
      sensitivity_ever: [],
    });
    expect(await factsOf(assessment.eventId)).toMatchObject({ sensitivity_ever: ['safeguarding'] });
    expect(await factsOf(consultation.eventId)).toMatchObject({
      sensitivity_ever: ['termination'],
    });
    const summary = await liveSource.query<Array<{ entries: number }>>(
      `SELECT entries FROM record_summary WHERE nhs_number = $1`,
      [patient],
    );
    const total = summary.reduce((sum, row) => sum + row.entries, 0);
    // 18 entries, one entered in error; fewer groups than entries (the routine ones share).
    const [current] = await liveSource.query<Array<{ count: number }>>(
      `SELECT count(*)::int AS count FROM record_entry WHERE nhs_number = $1 AND status = 'current'`,
      [patient],
    );
    expect(current?.count).toBe(17);
    expect(total).toBe(17);
    expect(summary.length).toBeLessThan(total);
    expect(summary.every((row) => row.entries > 0)).toBe(true);
  });

  const NO_CONSENTS: ConsentFacts = { seals: [], shares: [] };
  const staff = (role: Viewer['role'], organisation: string): Viewer => ({
    role,
    organisation,
    userId: `${role}-${organisation}`,
  });
  const readers: Array<[string, Viewer, PatientAccess]> = [
    ['a GP of the practice', staff('gp', GP), { allowed: true, basis: 'care-relationship' }],
    [
      'a GP elsewhere, through break-glass',
      staff('gp', OTHER_GP),
      { allowed: true, basis: 'break-glass' },
    ],
    ['a care worker', staff('care-worker', COUNCIL), { allowed: true, basis: 'care-relationship' }],
    [
      'a social worker',
      staff('social-worker', COUNCIL),
      { allowed: true, basis: 'care-relationship' },
    ],
    [
      'a district nurse',
      staff('community-nurse', NURSES),
      { allowed: true, basis: 'care-relationship' },
    ],
    ['an urgent-care clinician', staff('urgent-care', 'RYE'), { allowed: true, basis: 'claim' }],
    ['a pharmacist', staff('pharmacist', 'FA123'), { allowed: true, basis: 'care-relationship' }],
    [
      'the patient',
      { role: 'patient', organisation: '', userId: 'self', nhsNumber: patient },
      { allowed: true, basis: 'patient' },
    ],
    [
      'a carer',
      { role: 'carer', organisation: '', userId: 'carer-jo' },
      { allowed: true, basis: 'carer', carerScope: ['social-care'] },
    ],
  ];
  const consentSituations = (): Array<[string, ConsentFacts]> => [
    ['no consents', NO_CONSENTS],
    [
      'seals from roles, an organisation and a person, and shares',
      {
        seals: [
          { entryEventId: ids['calmVisit'] ?? '', kind: 'role', value: 'gp' },
          { entryEventId: ids['visit'] ?? '', kind: 'role', value: 'gp' },
          { entryEventId: ids['wound'] ?? '', kind: 'organisation', value: GP },
          { entryEventId: ids['assessment'] ?? '', kind: 'role', value: 'care-worker' },
          { entryEventId: ids['normalResult'] ?? '', kind: 'person', value: 'carer-jo' },
          { entryEventId: ids['visit'] ?? '', kind: 'role', value: 'pharmacist' },
          // A seal of an entry of another patient, or of none, changes nothing here.
          { entryEventId: '00000000-0000-4000-8000-000000000000', kind: 'role', value: 'gp' },
        ],
        shares: [
          { category: 'sexual-health', organisation: GP },
          { category: 'termination', organisation: COUNCIL },
        ],
      },
    ],
  ];

  it('gives every reader, in every consent situation, the count over every entry', async () => {
    const query = new RecordQuery(liveSource);
    const everyEntry = await query.entries(patient);
    let differentWhenSealed = 0;
    let leftOutSeen = 0;
    for (const [situation, consents] of consentSituations()) {
      for (const [reader, viewer, access] of readers) {
        if (!access.allowed) throw new Error('readers are allowed in');
        const opened: OpenedPatient = {
          nhsNumber: patient,
          viewer,
          access,
          consents,
          audit: () => Promise.resolve(),
        };
        const expected = leftOutCount(everyEntry, (one) => disclosureTo(opened, one));
        const page = await query.page(opened, { limit: 50 });
        expect({ situation, reader, withheld: await page.withheld }).toEqual({
          situation,
          reader,
          withheld: expected,
        });
        leftOutSeen += expected;
        if (consents !== NO_CONSENTS) {
          const unsealed = leftOutCount(everyEntry, (one) =>
            disclosureTo({ ...opened, consents: NO_CONSENTS }, one),
          );
          if (unsealed !== expected) differentWhenSealed += 1;
        }
      }
    }
    // The seals and shares change what some readers are told, so the test can tell.
    expect(differentWhenSealed).toBeGreaterThan(0);
    // And the routine entries some readers are not shown are counted.
    expect(leftOutSeen).toBeGreaterThan(0);
  });

  it('is the same when rebuilt from the same events, one event a batch', async () => {
    const writer = new RecordWriter(rebuiltSource);
    for (const event of history) {
      await writer.write(
        { consumerGroup: 'summary-rebuild', topic: 'summary-test', partition: 0 },
        planEvents([event]),
        BigInt(event.position.offset) + 1n,
      );
    }
    const summaryOf = (source: DataSource) =>
      source.query<unknown[]>(
        `SELECT nhs_number, entry_type, sensitivity, attention_role, attention_organisation, organisation,
                rule_payload, entries
         FROM record_summary ORDER BY 1, 2, 3, 4, 5, 6, rule_payload::text`,
      );
    const rebuiltSummary = await summaryOf(rebuiltSource);
    expect(rebuiltSummary.length).toBeGreaterThan(5);
    expect(rebuiltSummary).toEqual(await summaryOf(liveSource));
  });
});
