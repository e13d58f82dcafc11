import type { EntryTypeName } from '../generated/entry-type-names';
import fc from 'fast-check';
import { LEGALLY_PROTECTED_CATEGORIES } from '../sensitivity';
import { VIEW_ROLES, type ViewRole } from '../roles';
import {
  decidePatientAccess,
  entryDisclosure,
  mayViewEntry,
  type ConsentFacts,
  type PatientAccess,
  type Viewer,
} from './access-rules';
import { buildJournal, journalLines, type Journal } from './journal';
import { alwaysShowReasons, SECTIONS, type EntryFacts } from './journal-views';

const PRACTICE = 'A81001';
const AGENCY = '716';
let counter = 0;
const entry = (
  entryType: EntryTypeName,
  day: number,
  extra: Partial<EntryFacts> = {},
): EntryFacts => ({
  eventId: `e${++counter}`,
  entryType,
  occurredAt: new Date(Date.UTC(2026, 2, day, 9)),
  sensitivity: [],
  attention: null,
  payload: {},
  source: { organisation: PRACTICE },
  ...extra,
});
const noConsents: ConsentFacts = { seals: [], shares: [] };
const NOW = new Date('2026-12-02T12:00:00Z');
const entriesShown = (lines: Journal<EntryFacts>['narrative']) =>
  lines.flatMap((line) => (line.kind === 'entry' ? [line] : []));
const digestsOf = (journal: Journal<EntryFacts>) =>
  journalLines(journal).flatMap((line) => (line.kind === 'digest' ? [line] : []));
const allowed: PatientAccess = { allowed: true, basis: 'care-relationship' };

describe('a GP journal of a realistic mixed record', () => {
  // 2–7 March 2026 is one week (Monday to Saturday) of 12 visits; the week after has two more.
  const nextWeek = Array.from({ length: 2 }, () =>
    entry('CareVisitRecorded', 10, {
      source: { organisation: AGENCY },
      payload: { concernsRaised: false, tasksCompleted: ['personal care'] },
    }),
  );
  const visits = Array.from({ length: 12 }, (_, index) =>
    entry('CareVisitRecorded', 2 + Math.floor(index / 2), {
      source: { organisation: AGENCY },
      payload: { concernsRaised: false, tasksCompleted: ['personal care'] },
    }),
  );
  const concerningVisit = entry('CareVisitRecorded', 5, {
    source: { organisation: AGENCY },
    payload: { concernsRaised: true },
  });
  const flagged = entry('LetterReceived', 4, {
    attention: { role: 'gp', organisation: PRACTICE, reason: 'start bisoprolol' },
  });
  const abnormal = entry('TestResultRecorded', 3, { payload: { interpretation: 'abnormal' } });
  const normal = entry('TestResultRecorded', 3, { payload: { interpretation: 'normal' } });
  const safeguarding = entry('SafeguardingConcernRaised', 6, {
    sensitivity: ['safeguarding'],
    source: { organisation: AGENCY },
  });
  const carePlan = entry('CarePlanChanged', 7, { source: { organisation: AGENCY } });
  const consultation = entry('ConsultationRecorded', 8);
  const record = [
    ...visits,
    ...nextWeek,
    concerningVisit,
    flagged,
    abnormal,
    normal,
    safeguarding,
    carePlan,
    consultation,
  ];
  const gp: Viewer = { role: 'gp', organisation: PRACTICE, userId: 'dr-a' };
  const visible = record.filter((candidate) => mayViewEntry(gp, allowed, candidate, noConsents));
  const journal = buildJournal('gp', { role: 'gp', organisation: PRACTICE }, visible, { now: NOW });
  const inNarrative = entriesShown(journal.narrative).map((item) => item.entry.eventId);

  it('shows every entry flagged for attention, abnormal result, safeguarding concern and care-plan change in the narrative', () => {
    for (const shown of [flagged, abnormal, safeguarding, carePlan, concerningVisit])
      expect(inNarrative).toContain(shown.eventId);
    expect(entriesShown(journal.narrative).find((item) => item.entry === flagged)?.flagged).toEqual(
      ['flagged-for-attention'],
    );
  });

  it('digests the routine care visits (under 12 a week, so by the month) in the social-care section, and keeps them out of the narrative', () => {
    for (const visit of [...visits, ...nextWeek]) expect(inNarrative).not.toContain(visit.eventId);
    expect(journal.sections.find((section) => section.section === 'social-care')?.items).toEqual([
      expect.objectContaining({
        kind: 'digest',
        id: 'CareVisitRecorded:2026-03-01/P1M',
        count: 14,
        summary: '14 care visits, 2–10 Mar: no concerns, none missed; 1 more shown on its own',
      }),
    ]);
  });

  it('expands a digest to its entries on request', () => {
    const [line] = digestsOf(journal);
    const expandedJournal = buildJournal('gp', { role: 'gp', organisation: PRACTICE }, visible, {
      now: NOW,
      expand: [line?.id ?? ''],
    });
    expect(expandedJournal.expanded[line?.id ?? '']).toHaveLength(line?.count ?? -1);
  });

  it('keeps the routine care visits out of a care worker journal narrative but shows the care-plan change and the concerning visit', () => {
    const careWorker: Viewer = { role: 'care-worker', organisation: AGENCY, userId: 'cw' };
    const seen = record.filter((candidate) =>
      mayViewEntry(careWorker, allowed, candidate, noConsents),
    );
    expect(seen).not.toContain(consultation);
    expect(seen).not.toContain(safeguarding);
    const journalOfCareWorker = buildJournal(
      'care-worker',
      { role: 'care-worker', organisation: AGENCY },
      seen,
      { now: NOW },
    );
    const narrative = entriesShown(journalOfCareWorker.narrative).map((item) => item.entry);
    expect(narrative).toEqual(expect.arrayContaining([carePlan, concerningVisit]));
  });
});

describe('who may read a patient at all', () => {
  const now = new Date('2026-06-01T12:00:00Z');
  const facts = (over: Partial<Parameters<typeof decidePatientAccess>[2]> = {}) => ({
    relationships: [],
    carerScope: null,
    breakGlass: false,
    ...over,
  });
  const staff: Viewer = { role: 'gp', organisation: PRACTICE, userId: 'dr' };

  it.each<[string, Viewer, ReturnType<typeof facts>, boolean]>([
    [
      'the patient, their own record',
      { role: 'patient', organisation: 'none', userId: 'p', nhsNumber: '9434765919' },
      facts(),
      true,
    ],
    [
      'a patient, another record',
      { role: 'patient', organisation: 'none', userId: 'p', nhsNumber: '9434765870' },
      facts(),
      false,
    ],
    [
      'staff with an active relationship',
      staff,
      facts({ relationships: [{ organisation: PRACTICE, endedAt: null, expiresAt: null }] }),
      true,
    ],
    [
      'staff whose relationship ended',
      staff,
      facts({ relationships: [{ organisation: PRACTICE, endedAt: now, expiresAt: null }] }),
      false,
    ],
    [
      'staff whose encounter expired',
      staff,
      facts({
        relationships: [
          { organisation: PRACTICE, endedAt: null, expiresAt: new Date('2026-05-01') },
        ],
      }),
      false,
    ],
    [
      'staff of another organisation',
      staff,
      facts({ relationships: [{ organisation: 'B82002', endedAt: null, expiresAt: null }] }),
      false,
    ],
    ['staff with break-glass', staff, facts({ breakGlass: true }), true],
    [
      'an approved carer',
      { role: 'carer', organisation: 'none', userId: 'jo' },
      facts({ carerScope: ['social-care'] }),
      true,
    ],
    ['a carer not approved', { role: 'carer', organisation: 'none', userId: 'jo' }, facts(), false],
    [
      'a privacy officer',
      { role: 'privacy-officer', organisation: PRACTICE, userId: 'po' },
      facts({ relationships: [{ organisation: PRACTICE, endedAt: null, expiresAt: null }] }),
      false,
    ],
  ])('%s', (_case, viewer, patientFacts, expected) => {
    expect(decidePatientAccess(viewer, '9434765919', patientFacts, now).allowed).toBe(expected);
  });
});

describe('entry rules', () => {
  const gp: Viewer = { role: 'gp', organisation: PRACTICE, userId: 'dr' };
  const sexualHealth = entry('ConsultationRecorded', 1, {
    sensitivity: ['sexual-health'],
    source: { organisation: 'SH001' },
  });

  it('hides a legally protected entry from other organisations until the patient shares it with them', () => {
    expect(mayViewEntry(gp, allowed, sexualHealth, noConsents)).toBe(false);
    expect(
      mayViewEntry(gp, allowed, sexualHealth, {
        seals: [],
        shares: [{ category: 'sexual-health', organisation: PRACTICE }],
      }),
    ).toBe(true);
    expect(mayViewEntry({ ...gp, organisation: 'SH001' }, allowed, sexualHealth, noConsents)).toBe(
      true,
    );
    expect(
      mayViewEntry(
        { role: 'patient', organisation: 'none', userId: 'p' },
        { allowed: true, basis: 'patient' },
        sexualHealth,
        noConsents,
      ),
    ).toBe(true);
  });

  it('hides a sealed entry from whom it is sealed from, and only them', () => {
    const consultation = entry('ConsultationRecorded', 2);
    const seal = (kind: string, value: string): ConsentFacts => ({
      seals: [{ entryEventId: consultation.eventId, kind, value }],
      shares: [],
    });
    expect(mayViewEntry(gp, allowed, consultation, seal('organisation', PRACTICE))).toBe(false);
    expect(mayViewEntry(gp, allowed, consultation, seal('role', 'gp'))).toBe(false);
    expect(mayViewEntry(gp, allowed, consultation, seal('person', 'dr'))).toBe(false);
    expect(mayViewEntry(gp, allowed, consultation, seal('organisation', 'B82002'))).toBe(true);
  });

  it('shows safeguarding only to safeguarding-trained roles', () => {
    const concern = entry('SafeguardingConcernRaised', 3, { sensitivity: ['safeguarding'] });
    expect(mayViewEntry(gp, allowed, concern, noConsents)).toBe(true);
    expect(mayViewEntry({ ...gp, role: 'pharmacist' }, allowed, concern, noConsents)).toBe(false);
    expect(
      mayViewEntry(
        { role: 'patient', organisation: 'none', userId: 'p' },
        { allowed: true, basis: 'patient' },
        concern,
        noConsents,
      ),
    ).toBe(false);
  });

  it('shows a carer only the sections the patient approved', () => {
    const carer: Viewer = { role: 'carer', organisation: 'none', userId: 'jo' };
    const plan = entry('CarePlanChanged', 4);
    const medication = entry('MedicationPrescribed', 4);
    const access: PatientAccess = { allowed: true, basis: 'carer', carerScope: ['social-care'] };
    expect(mayViewEntry(carer, access, plan, noConsents)).toBe(true);
    expect(mayViewEntry(carer, access, medication, noConsents)).toBe(false);
  });
});

describe('property: no legally protected entry reaches a caller without the consent that allows it', () => {
  const types = Object.values(SECTIONS).flat();
  const organisations = ['A81001', 'B82002', 'SH001'];
  const arbitraryEntry = fc.record({
    entryType: fc.constantFrom(...types),
    day: fc.integer({ min: 1, max: 28 }),
    organisation: fc.constantFrom(...organisations),
    sensitivity: fc.subarray([
      'sexual-health',
      'fertility',
      'gender-identity',
      'termination',
      'safeguarding',
      'patient-sealed',
    ]),
    attention: fc.boolean(),
    interpretation: fc.constantFrom('normal', 'abnormal'),
  });
  const viewers = fc.record({
    role: fc.constantFrom(...VIEW_ROLES),
    organisation: fc.constantFrom(...organisations),
    shares: fc.subarray(
      LEGALLY_PROTECTED_CATEGORIES.flatMap((category) =>
        organisations.map((organisation) => ({ category, organisation })),
      ),
    ),
  });

  it('holds through the visible entries, the journal sections, the digests and their counts', () => {
    fc.assert(
      fc.property(fc.array(arbitraryEntry, { maxLength: 40 }), viewers, (specs, viewerSpec) => {
        const role: ViewRole = viewerSpec.role;
        const viewer: Viewer = { role, organisation: viewerSpec.organisation, userId: 'u' };
        const access: PatientAccess =
          role === 'patient'
            ? { allowed: true, basis: 'patient' }
            : role === 'carer'
              ? {
                  allowed: true,
                  basis: 'carer',
                  carerScope: ['social-care', 'medicines', 'patient-contributions'],
                }
              : allowed;
        const entries = specs.map((spec, index) =>
          entry(spec.entryType, spec.day, {
            eventId: `p${index}`,
            sensitivity: spec.sensitivity,
            source: { organisation: spec.organisation },
            attention: spec.attention
              ? { role, organisation: viewerSpec.organisation, reason: null }
              : null,
            payload: { interpretation: spec.interpretation },
          }),
        );
        const consents: ConsentFacts = { seals: [], shares: viewerSpec.shares };
        const visible = entries.filter((candidate) =>
          mayViewEntry(viewer, access, candidate, consents),
        );
        const ids = journalLines(
          buildJournal(role, { role, organisation: viewer.organisation }, visible, { now: NOW }),
        ).flatMap((line) => (line.kind === 'entry' ? [] : [line.id]));
        const journal = buildJournal(role, { role, organisation: viewer.organisation }, visible, {
          now: NOW,
          expand: ids,
        });
        const reached = [
          ...Object.values(journal.expanded).flatMap((items) => items.map((item) => item.entry)),
          ...visible,
          ...entriesShown(journalLines(journal)).map((item) => item.entry),
        ];
        const digestCount = digestsOf(journal).reduce((sum, line) => sum + line.count, 0);
        const allowedCount = (candidate: EntryFacts) =>
          candidate.sensitivity
            .filter((category) =>
              (LEGALLY_PROTECTED_CATEGORIES as readonly string[]).includes(category),
            )
            .every(
              (category) =>
                role === 'patient' ||
                (role !== 'carer' &&
                  (candidate.source.organisation === viewer.organisation ||
                    viewerSpec.shares.some(
                      (share) =>
                        share.category === category && share.organisation === viewer.organisation,
                    ))),
            );
        for (const seen of reached) expect(allowedCount(seen)).toBe(true);
        // Digest lines count only entries that were visible in the first place.
        expect(digestCount).toBeLessThanOrEqual(visible.length);
        const protectedHidden = entries.filter((candidate) => !allowedCount(candidate));
        for (const hidden of protectedHidden) expect(visible).not.toContain(hidden);
      }),
      { numRuns: 300 },
    );
  });
});

describe('entryDisclosure: what may be counted', () => {
  const careWorker = { role: 'care-worker' as const, organisation: '716', userId: 'cw' };
  const allowed = { allowed: true as const, basis: 'care-relationship' as const };
  const none = { seals: [], shares: [] };
  const entry = (
    entryType: EntryTypeName,
    sensitivity: string[] = [],
    organisation = 'A81001',
  ) => ({
    eventId: '00000000-0000-4000-8000-000000000001',
    entryType,
    occurredAt: new Date('2026-03-01T09:00:00Z'),
    sensitivity,
    attention: null,
    payload: {},
    source: { organisation },
  });

  it('calls protected what the reader may not know exists, even when the view would leave it out anyway', () => {
    expect(entryDisclosure(careWorker, allowed, entry('SafeguardingConcernRaised'), none)).toBe(
      'protected',
    );
    expect(
      entryDisclosure(careWorker, allowed, entry('ConsultationRecorded', ['sexual-health']), none),
    ).toBe('protected');
    expect(entryDisclosure(careWorker, allowed, entry('ConsultationRecorded'), none)).toBe(
      'left-out',
    );
    expect(entryDisclosure(careWorker, allowed, entry('CareVisitRecorded', [], '716'), none)).toBe(
      'shown',
    );
  });
});

describe('an abnormal result, however it was written', () => {
  const visitor = { role: 'health-visitor', organisation: PRACTICE } as const;
  it.each(['abnormal', 'Abnormal', 'ABNORMAL', 'Critical', ' critical ', 'H'])(
    'interpretation %j is shown in the health visitor’s narrative',
    (interpretation) => {
      const result = entry('TestResultRecorded', 3, { payload: { interpretation } });
      const journal = buildJournal('health-visitor', visitor, [result], { now: result.occurredAt });
      const shown = entriesShown(journal.narrative);
      expect(shown.map((item) => item.entry.eventId)).toEqual([result.eventId]);
      expect(shown[0]?.flagged).toContain('abnormal-result');
    },
  );

  it('a normal result is not forced into the narrative', () => {
    const result = entry('TestResultRecorded', 3, { payload: { interpretation: 'Normal' } });
    const journal = buildJournal('health-visitor', visitor, [result], { now: result.occurredAt });
    expect(entriesShown(journal.narrative).flatMap((item) => item.flagged)).not.toContain(
      'abnormal-result',
    );
  });
});

describe('digests and folds in the timeline', () => {
  const gpViewer = { role: 'gp', organisation: PRACTICE } as const;
  const at = (entryType: EntryTypeName, iso: string, extra: Partial<EntryFacts> = {}) =>
    entry(entryType, 1, { occurredAt: new Date(iso), ...extra });
  const issue = (iso: string, display: string) =>
    at('MedicationIssued', iso, {
      payload: { medication: { system: 'dm+d', code: '1', display }, quantity: '28' },
    });
  const monthlyIssues = Array.from({ length: 6 }, (_, month) =>
    [
      'Bisoprolol',
      'Furosemide',
      'Metformin',
      'Ramipril',
      'Atorvastatin',
      'Apixaban',
      'Sertraline',
    ].map((name) => issue(`2025-0${month + 1}-03T10:00:00Z`, name)),
  ).flat();
  const march = at('ConsultationRecorded', '2025-03-10T09:00:00Z');
  const june = at('ConsultationRecorded', '2025-06-20T09:00:00Z');

  describe('given six months of monthly repeat issues (7 items) and two consultations last year', () => {
    const journal = buildJournal('gp', gpViewer, [...monthlyIssues, march, june], { now: NOW });

    it('when the GP reads the journal, then a digest line per quarter sits in the narrative where it happened, with the year and the items', () => {
      expect(
        journal.narrative.map((line) =>
          line.kind === 'entry' ? line.entry.eventId : line.summary,
        ),
      ).toEqual([
        june.eventId,
        '21 medication issues, 3 Apr–3 Jun 2025: Apixaban ×3, Atorvastatin ×3, Bisoprolol ×3, Furosemide ×3, Metformin ×3, Ramipril ×3, Sertraline ×3',
        march.eventId,
        '21 medication issues, 3 Jan–3 Mar 2025: Apixaban ×3, Atorvastatin ×3, Bisoprolol ×3, Furosemide ×3, Metformin ×3, Ramipril ×3, Sertraline ×3',
      ]);
    });

    it('when built again from the same entries in another order, then the digest ids are the same', () => {
      const again = buildJournal('gp', gpViewer, [june, ...[...monthlyIssues].reverse(), march], {
        now: NOW,
      });
      const ids = (built: Journal<EntryFacts>) =>
        journalLines(built).flatMap((line) => (line.kind === 'digest' ? [line.id] : []));
      expect(ids(again)).toEqual(ids(journal));
      expect(ids(journal)).toEqual([
        'MedicationIssued:2025-04-01/P3M',
        'MedicationIssued:2025-01-01/P3M',
      ]);
    });
  });

  describe('given a sparse record: one home reading last year and one this year', () => {
    const reading = (iso: string) =>
      at('HomeReadingRecorded', iso, {
        payload: {
          readings: [
            { name: 'systolic', value: 150, unit: 'mm[Hg]' },
            { name: 'diastolic', value: 90, unit: 'mm[Hg]' },
          ],
        },
      });
    const readings = [reading('2025-05-01T08:00:00Z'), reading('2026-05-01T08:00:00Z')];

    it('when the GP reads the journal, then each reading is shown as itself, not as a digest of one', () => {
      const journal = buildJournal('gp', gpViewer, readings, { now: NOW });
      expect(journalLines(journal)).toEqual([
        expect.objectContaining({ kind: 'entry', entry: readings[1] }),
        expect.objectContaining({ kind: 'entry', entry: readings[0] }),
      ]);
    });
  });

  describe('given a care worker, twelve near-identical visit notes, a concerning visit, then three more', () => {
    const careWorker = { role: 'care-worker', organisation: AGENCY } as const;
    const visit = (day: number, note: string, concernsRaised = false) =>
      entry('CareVisitRecorded', day, {
        source: { organisation: AGENCY },
        payload: { note, concernsRaised, tasksCompleted: ['personal care'] },
      });
    const routine = Array.from({ length: 12 }, (_, index) =>
      visit(3 + index, index % 3 ? 'Settled, all tasks done.' : 'settled - all tasks done'),
    );
    const concern = visit(16, 'Fell in the night, bruised hip', true);
    const after = [17, 18, 19].map((day) => visit(day, 'Settled, all tasks done.'));
    const journal = buildJournal('care-worker', careWorker, [...routine, concern, ...after], {
      now: NOW,
    });

    it('when the journal is built, then the twelve fold into one line, the concern breaks the fold and is shown, and the three after fold on their own', () => {
      expect(
        journal.narrative.map((line) =>
          line.kind === 'entry' ? line.entry.eventId : line.summary,
        ),
      ).toEqual([
        'Settled, all tasks done. ×3, 17–19 Mar',
        concern.eventId,
        'settled - all tasks done ×12, 3–14 Mar',
      ]);
    });

    it('when the fold is expanded by its id, then it gives its twelve notes, newest first', () => {
      const fold = journal.narrative.find((line) => line.kind === 'fold' && line.count === 12);
      const id = fold?.kind === 'fold' ? fold.id : '';
      expect(id).toBe(`fold:${routine[0]?.eventId}..${routine[11]?.eventId}`);
      const expanded = buildJournal('care-worker', careWorker, [...routine, concern, ...after], {
        now: NOW,
        expand: [id],
      }).expanded[id];
      expect(expanded?.map((item) => item.entry)).toEqual([...routine].reverse());
    });
  });

  describe("given a district nursing team's wound notes: five near-identical, then an infected wound", () => {
    const NURSES = 'RY8';
    const gp = { role: 'gp', organisation: PRACTICE } as const;
    const wound = (day: number, note: string, progress = 'no-change', signsOfInfection = false) =>
      entry('WoundCareRecorded', day, {
        source: { organisation: NURSES },
        payload: { woundId: 'W1', progress, signsOfInfection, note },
      });
    const redressed = [2, 4, 6, 9, 11].map((day) =>
      wound(day, 'Wound redressed, no change. Moderate exudate.'),
    );
    const infected = wound(13, 'Spreading redness, malodorous: GP review.', 'deteriorating', true);
    const journal = buildJournal('gp', gp, [...redressed, infected], { now: NOW });

    it('when the GP reads the journal, then the notes fold into one line of the community-nursing section and the infected wound is shown in the narrative, flagged', () => {
      expect(journal.sections).toEqual([
        {
          section: 'community-nursing',
          items: [
            expect.objectContaining({
              kind: 'fold',
              team: NURSES,
              count: 5,
              summary: 'Wound redressed, no change. Moderate exudate. ×5, 2–11 Mar',
            }),
          ],
        },
      ]);
      expect(journal.narrative).toEqual([
        { kind: 'entry', entry: infected, flagged: ['wound-concern'] },
      ]);
    });

    it('when a care worker reads the journal, then the infected wound is not flagged for them but still in their section', () => {
      const careWorker = { role: 'care-worker', organisation: AGENCY } as const;
      expect(alwaysShowReasons(infected, careWorker)).toEqual([]);
      const theirs = buildJournal('care-worker', careWorker, [...redressed, infected], {
        now: NOW,
      });
      expect(theirs.sections[0]?.items.map((line) => line.kind)).toEqual(['entry', 'fold']);
    });
  });
});

describe('property: whatever the record, every must-show entry is shown directly, and every visible entry is accounted for once', () => {
  const types = Object.values(SECTIONS).flat();
  const organisations = [PRACTICE, AGENCY];
  const arbitraryEntry = fc.record({
    // Routine types drawn often, so that digests and folds form.
    entryType: fc.oneof(
      fc.constantFrom(...types),
      fc.constantFrom('CareVisitRecorded', 'HomeReadingRecorded', 'MedicationIssued'),
    ),
    minute: fc.integer({ min: 0, max: 60 * 24 * 400 }),
    organisation: fc.constantFrom(...organisations),
    attention: fc.boolean(),
    safeguarding: fc.boolean(),
    interpretation: fc.constantFrom('normal', 'abnormal'),
    concernsRaised: fc.boolean(),
    note: fc.constantFrom('Settled.', 'settled', 'Wound redressed, no change', 'Fell, GP called'),
  });

  it('holds for every role, with folding and digests', () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryEntry, { maxLength: 80 }),
        fc.constantFrom(...VIEW_ROLES),
        fc.constantFrom(...organisations),
        (specs, role, organisation) => {
          const viewer = { role, organisation };
          const entries = specs.map((spec, index) =>
            entry(spec.entryType, 1, {
              eventId: `m${index}`,
              occurredAt: new Date(Date.UTC(2025, 0, 1) + spec.minute * 60_000),
              sensitivity: spec.safeguarding ? ['safeguarding'] : [],
              source: { organisation: spec.organisation },
              attention: spec.attention ? { role, organisation, reason: null } : null,
              payload: {
                interpretation: spec.interpretation,
                concernsRaised: spec.concernsRaised,
                note: spec.note,
                tasksCompleted: [],
              },
            }),
          );
          const first = buildJournal(role, viewer, entries, { now: NOW });
          const ids = journalLines(first).flatMap((line) =>
            line.kind === 'entry' ? [] : [line.id],
          );
          const journal = buildJournal(role, viewer, entries, { now: NOW, expand: ids });
          const lines = journalLines(journal);
          const inNarrative = entriesShown(journal.narrative).map((line) => line.entry.eventId);
          const grouped = Object.values(journal.expanded)
            .flat()
            .map((item) => item.entry.eventId);
          for (const candidate of entries) {
            if (alwaysShowReasons(candidate, viewer).length === 0) continue;
            expect(inNarrative).toContain(candidate.eventId);
            expect(grouped).not.toContain(candidate.eventId);
          }
          const grouping = lines.flatMap((line) => (line.kind === 'entry' ? [] : [line]));
          for (const line of grouping) {
            expect(line.count).toBeGreaterThan(1);
            expect(journal.expanded[line.id]).toHaveLength(line.count);
          }
          const shownAlone = lines.filter((line) => line.kind === 'entry').length;
          expect(shownAlone + grouped.length + journal.leftOut).toBe(entries.length);
          const alone = entriesShown(lines).map((line) => line.entry.eventId);
          expect(new Set([...alone, ...grouped]).size).toBe(entries.length - journal.leftOut);
        },
      ),
      { numRuns: 300 },
    );
  });
});
