import type { EntryFacts, EntryTypeName, ViewRole } from '@carelog/domain';
import { SeededRandom } from '../bench/random';

/**
 * Realistic synthetic records for measuring journal views (issue #15, item 6): one patient per
 * archetype, built only from entry types in schemas/ today, with payloads shaped as the read
 * model serves them (JSON: date-times as ISO strings). The same seed gives the same record.
 */
export interface GeneratedEntry extends EntryFacts {
  /** The payload as JSON, as the record API and the schemas' JSON examples carry it. */
  payload: Record<string, unknown>;
}

export const ARCHETYPES = [
  'frail-elderly-with-carers',
  'young-family-new-baby',
  'mental-health-crisis',
  'long-term-conditions',
] as const;
export type Archetype = (typeof ARCHETYPES)[number];

/** The records end here (a fixed time, so the figures do not change with the day they are run). */
export const RECORD_END = new Date('2026-12-01T00:00:00Z');
const DAY = 86_400_000;

export const ORGANISATIONS = {
  practice: 'A81001',
  council: '716',
  communityNursing: 'RYX',
  acuteTrust: 'RJ1',
  urgentCare: 'RX1',
  maternity: 'RTD',
  healthVisiting: 'RY6',
  pharmacy: 'FA001',
  mentalHealth: 'RRP',
} as const;

/** Who reads each view in the measurement, and for which organisation. */
export const READER_ORGANISATION: Record<ViewRole, string> = {
  gp: ORGANISATIONS.practice,
  'practice-nurse': ORGANISATIONS.practice,
  'community-nurse': ORGANISATIONS.communityNursing,
  'social-worker': ORGANISATIONS.council,
  'care-worker': ORGANISATIONS.council,
  midwife: ORGANISATIONS.maternity,
  'health-visitor': ORGANISATIONS.healthVisiting,
  'urgent-care': ORGANISATIONS.urgentCare,
  pharmacist: ORGANISATIONS.pharmacy,
  patient: 'none',
  carer: 'none',
};

const coded = (display: string, code = '0', system = 'http://snomed.info/sct') => ({
  system,
  code,
  display,
});
const dmd = (display: string) => coded(display, '0', 'https://dmd.nhs.uk');

class RecordBuilder {
  readonly entries: GeneratedEntry[] = [];
  constructor(readonly random: SeededRandom) {}

  add(
    entryType: EntryTypeName,
    occurredAt: Date,
    organisation: string,
    payload: Record<string, unknown>,
    extra: { attention?: ViewRole; sensitivity?: string[] } = {},
  ): GeneratedEntry {
    const entry: GeneratedEntry = {
      eventId: this.random.uuid(),
      entryType,
      occurredAt,
      sensitivity: extra.sensitivity ?? [],
      attention: extra.attention
        ? {
            role: extra.attention,
            organisation: READER_ORGANISATION[extra.attention],
            reason: 'please review',
          }
        : null,
      payload,
      source: { organisation },
    };
    this.entries.push(entry);
    return entry;
  }

  /** A time on a given day back from the end of the record, in working hours. */
  daysAgo(days: number, hour = this.random.int(8, 17)): Date {
    const day = new Date(RECORD_END.getTime() - days * DAY);
    return new Date(
      Date.UTC(
        day.getUTCFullYear(),
        day.getUTCMonth(),
        day.getUTCDate(),
        hour,
        this.random.int(0, 59),
      ),
    );
  }

  /** `count` days spread over the last `span` days, oldest first. */
  spread(count: number, span: number): number[] {
    return Array.from({ length: count }, () => this.random.int(1, span)).sort((a, b) => b - a);
  }

  consultation(days: number, narrative: string, organisation: string = ORGANISATIONS.practice) {
    return this.add('ConsultationRecorded', this.daysAgo(days), organisation, {
      narrative,
      codedItems: [],
      consultationMedium: this.random.pick(['face-to-face', 'telephone']),
    });
  }

  result(days: number, test: string, value: string, abnormal: boolean, flag = false) {
    return this.add(
      'TestResultRecorded',
      this.daysAgo(days),
      ORGANISATIONS.practice,
      {
        test: coded(test),
        value,
        unit: '',
        referenceRange: null,
        interpretation: abnormal ? 'abnormal' : 'normal',
        narrative: null,
      },
      flag ? { attention: 'gp' } : {},
    );
  }

  /** Repeat issues on one day a month for each item, over `months` months. */
  monthlyIssues(items: readonly string[], months: number) {
    for (let month = months; month >= 1; month--) {
      const days = month * 30 + this.random.int(-3, 3);
      for (const [index, item] of items.entries())
        this.add('MedicationIssued', this.daysAgo(days, 10), ORGANISATIONS.practice, {
          medication: dmd(item),
          quantity: '28 tablet',
          issueNumber: index + 1,
          prescriptionEventId: null,
        });
    }
  }

  prescribed(days: number, item: string, indication: string) {
    return this.add('MedicationPrescribed', this.daysAgo(days), ORGANISATIONS.practice, {
      medication: dmd(item),
      dosageInstructions: 'As directed',
      quantity: '28 tablet',
      prescriptionType: 'repeat',
      indication,
    });
  }

  bloodPressure(days: number, systolic: number, diastolic: number, hour?: number) {
    return this.add('HomeReadingRecorded', this.daysAgo(days, hour), 'patient', {
      measurement: coded('Blood pressure', '75367002'),
      readings: [
        { name: 'systolic', value: systolic, unit: 'mm[Hg]' },
        { name: 'diastolic', value: diastolic, unit: 'mm[Hg]' },
      ],
      deviceName: 'Omron M3',
    });
  }

  /** Weekly wearable summaries over `weeks` weeks, drifting from `start` by `drift` a week. */
  wearables(weeks: number, metric: string, unit: string, start: number, drift: number) {
    for (let week = weeks; week >= 1; week--) {
      const end = this.daysAgo(week * 7, 6);
      const value = Math.round(start + (weeks - week) * drift + this.random.int(-3, 3));
      this.add('WearableSummaryRecorded', end, 'patient', {
        periodStart: new Date(end.getTime() - 7 * DAY).toISOString(),
        periodEnd: end.toISOString(),
        metrics: [{ name: metric, value, unit }],
        deviceName: 'wrist tracker',
      });
    }
  }

  urgent(days: number, kind: 'triage' | 'ed' | 'ooh' | 'ambulance', what: string) {
    const at = this.daysAgo(days, this.random.int(0, 23));
    switch (kind) {
      case 'triage':
        return this.add('TriageOutcomeRecorded', at, ORGANISATIONS.urgentCare, {
          service: '111',
          disposition: 'Speak to GP within 6 hours',
          urgency: 'urgent',
          symptomsSummary: what,
        });
      case 'ed':
        return this.add('EdAttendanceRecorded', at, ORGANISATIONS.acuteTrust, {
          arrivalTime: at.toISOString(),
          departureTime: new Date(at.getTime() + 5 * 3_600_000).toISOString(),
          chiefComplaint: coded(what),
          diagnosis: null,
          dischargeDestination: 'home',
          narrative: what,
        });
      case 'ooh':
        return this.add('OutOfHoursConsultationRecorded', at, ORGANISATIONS.urgentCare, {
          consultationMedium: 'telephone',
          narrative: what,
          codedItems: [],
          followUpAdvice: 'Own GP if no better.',
        });
      case 'ambulance':
        return this.add('AmbulanceSeeAndTreatRecorded', at, ORGANISATIONS.urgentCare, {
          incidentTime: at.toISOString(),
          presentingComplaint: what,
          treatmentGiven: 'Assessed at home.',
          conveyed: false,
          narrative: 'Referred to the falls service.',
        });
    }
  }

  letter(days: number, summary: string, flag = false) {
    return this.add(
      'LetterReceived',
      this.daysAgo(days),
      ORGANISATIONS.practice,
      { fromOrganisation: ORGANISATIONS.acuteTrust, letterType: 'clinic letter', summary },
      flag ? { attention: 'gp' } : {},
    );
  }
}

const ROUTINE_VISIT_NOTES = [
  'Settled, all tasks completed.',
  'settled - all tasks completed',
  'Settled. All tasks completed',
  'Well today, ate breakfast, meds prompted.',
  'Well today, ate breakfast, medication prompted.',
];

/** Elderly patient with heart failure and diabetes at home, one care visit a day, 18 months. */
function frailElderly(build: RecordBuilder): void {
  const { random } = build;
  const months = 18;
  const span = months * 30;
  build.add('RegistrationStarted', new Date('2009-04-02T09:00:00Z'), ORGANISATIONS.practice, {
    registrationType: 'permanent',
  });
  build.add('CaseOpened', build.daysAgo(span), ORGANISATIONS.council, {
    reason: 'Referral after hospital discharge.',
    caseType: 'adult',
    allocatedTeam: 'Reablement North',
  });
  for (const days of [span - 5, 270])
    build.add('AssessmentCompleted', build.daysAgo(days), ORGANISATIONS.council, {
      assessmentType: 'care-act-needs',
      outcome: 'Eligible for care and support',
      eligibleNeeds: ['managing personal care'],
      narrative: 'Lives alone; unsteady on stairs.',
    });
  for (const days of [span - 10, 300, 90])
    build.add('CarePlanChanged', build.daysAgo(days), ORGANISATIONS.council, {
      summaryOfChange: 'Visit times changed.',
      visitsPerWeek: 7,
      effectiveFrom: build.daysAgo(days).toISOString().slice(0, 10),
      planItems: ['morning personal care, 45 minutes'],
    });
  for (const days of build.spread(6, span))
    build.add('ReviewCompleted', build.daysAgo(days), ORGANISATIONS.council, {
      reviewType: 'scheduled',
      outcome: 'Plan meets needs; no change.',
      nextReviewDate: null,
    });
  build.add(
    'SafeguardingConcernRaised',
    build.daysAgo(200),
    ORGANISATIONS.council,
    {
      concernType: 'financial',
      narrative: 'New "friend" asking for money.',
      immediateRisk: false,
      referredTo: 'Adult safeguarding hub',
    },
    { sensitivity: ['safeguarding'], attention: 'social-worker' },
  );
  for (const days of [span - 20, 120])
    build.add('CareTeamMemberAdded', build.daysAgo(days), 'patient', {
      organisation: ORGANISATIONS.communityNursing,
      role: 'community-nurse',
      team: 'District nursing East',
      reason: 'Leg ulcer care.',
    });
  // One care visit a day: mostly near-identical notes; four concerns, six missed.
  const concernDays = new Set(build.spread(4, span));
  const missedDays = new Set(build.spread(6, span));
  for (let days = span; days >= 1; days--) {
    const concern = concernDays.has(days);
    const missed = !concern && missedDays.has(days);
    build.add(
      'CareVisitRecorded',
      build.daysAgo(days, 8),
      ORGANISATIONS.council,
      {
        visitStart: build.daysAgo(days, 8).toISOString(),
        visitEnd: build.daysAgo(days, 9).toISOString(),
        tasksCompleted: missed ? [] : ['personal care', 'breakfast', 'medication prompt'],
        note: concern
          ? 'Found on the floor, says slipped; bruised arm. Office informed.'
          : missed
            ? 'No answer at the door; office informed.'
            : random.chance(0.85)
              ? random.pick(ROUTINE_VISIT_NOTES)
              : random.pick(['Low in mood today.', 'Ankles swollen.', 'Family visiting.']),
        concernsRaised: concern,
      },
      concern && concernDays.size > 0 && days === Math.max(...concernDays)
        ? { attention: 'social-worker' }
        : {},
    );
  }
  // GP: consultations, problems, medicines, results, referrals, letters.
  for (const days of build.spread(12, span))
    build.consultation(
      days,
      random.pick([
        'Breathless on exertion, ankles swollen. Plan: bloods, review.',
        'Diabetes review. Feet checked. Continue.',
        'Chest infection. Antibiotics.',
        'Reviewed after admission; fluid status improved.',
      ]),
    );
  for (const [days, problem] of [
    [span - 2, 'Heart failure'],
    [span - 2, 'Type 2 diabetes'],
    [200, 'Chronic kidney disease stage 3'],
    [60, 'Leg ulcer'],
  ] as const)
    build.add('ProblemRecorded', build.daysAgo(days), ORGANISATIONS.practice, {
      problem: coded(problem),
      status: 'active',
      onsetDate: null,
      significance: 'major',
      narrative: null,
    });
  const repeats = [
    'Bisoprolol 2.5mg tablets',
    'Furosemide 40mg tablets',
    'Ramipril 5mg capsules',
    'Metformin 500mg tablets',
    'Atorvastatin 40mg tablets',
    'Apixaban 5mg tablets',
    'Gliclazide 80mg tablets',
  ];
  for (const item of repeats) build.prescribed(span - random.int(0, 30), item, 'long-term');
  build.prescribed(100, 'Dapagliflozin 10mg tablets', 'Heart failure');
  build.monthlyIssues(repeats, months);
  const results = build.spread(18, span);
  results.forEach((days, index) =>
    build.result(
      days,
      random.pick(['eGFR', 'HbA1c', 'NT-proBNP', 'Potassium']),
      '0',
      index % 4 === 0,
      index % 6 === 0,
    ),
  );
  for (const days of build.spread(3, span))
    build.add('ReferralMade', build.daysAgo(days), ORGANISATIONS.practice, {
      service: 'Community heart failure service',
      specialty: coded('Cardiology'),
      urgency: 'routine',
      reason: 'Worsening heart failure.',
    });
  build
    .spread(8, span)
    .forEach((days, index) =>
      build.letter(
        days,
        random.pick([
          'Heart failure clinic: titrate bisoprolol.',
          'Diabetes clinic: HbA1c 62, add gliclazide.',
          'Discharge summary: decompensated heart failure, diuresed.',
          'Renal clinic: eGFR stable, no change.',
        ]),
        index < 2,
      ),
    );
  for (const days of [400, 40])
    build.add('ImmunisationRecorded', build.daysAgo(days), ORGANISATIONS.practice, {
      vaccine: coded('Influenza vaccine'),
      doseNumber: 1,
      batchNumber: 'FLU1',
      site: 'left deltoid',
    });
  build.add('AllergyRecorded', build.daysAgo(span - 1), ORGANISATIONS.practice, {
    substance: coded('Penicillin'),
    reaction: null,
    severity: 'moderate',
    certainty: 'confirmed',
    narrative: null,
  });
  // District nursing: leg ulcer dressed twice a week for two months.
  for (let visit = 0; visit < 16; visit++)
    build.consultation(
      118 - visit * 3.5,
      visit === 9
        ? 'Ulcer larger, sloughy; swab taken, GP informed.'
        : 'Wound redressed, no change.',
      ORGANISATIONS.communityNursing,
    );
  // Urgent care.
  build.urgent(330, 'triage', 'Breathless overnight');
  build.urgent(329, 'ed', 'Decompensated heart failure');
  build.urgent(150, 'ooh', 'Ankle swelling worse');
  build.urgent(149, 'ambulance', 'Fall at home, no head injury');
  build.urgent(45, 'triage', 'Confused this evening');
  build.urgent(44, 'ed', 'Urinary infection');
  build.urgent(20, 'ambulance', 'Fall at home');
  build.urgent(300, 'ooh', 'Chest infection');
  // About 100 home blood pressures: four weeks of twice-daily readings, and some on their own.
  for (const start of [480, 330, 200, 60])
    for (let day = 0; day < 7; day++)
      for (const hour of [7, 19])
        build.bloodPressure(start - day, random.int(118, 156), random.int(68, 94), hour);
  for (const days of build.spread(44, span))
    build.bloodPressure(days, random.int(118, 150), random.int(68, 90));
  build.wearables(76, 'resting heart rate', '/min', 62, 0.1);
  build.spread(15, span).forEach((days, index) =>
    build.add(
      'CarerObservationRecorded',
      build.daysAgo(days),
      'patient',
      {
        carerUserId: 'carer-jo',
        observation:
          index % 5 === 0 ? 'More confused in the evenings.' : 'Eating well, seems settled.',
        concernLevel: index % 5 === 0 ? 'high' : 'low',
      },
      index === 5 ? { attention: 'gp' } : {},
    ),
  );
  for (const days of build.spread(5, span))
    build.add('PatientNoteAdded', build.daysAgo(days), 'patient', {
      note: 'Ankles less swollen since the new tablets.',
    });
}

/** A mother through pregnancy, birth and the first months, 12 months. */
function youngFamily(build: RecordBuilder): void {
  const { random } = build;
  const birth = 150;
  build.add('RegistrationStarted', new Date('2021-09-01T09:00:00Z'), ORGANISATIONS.practice, {
    registrationType: 'permanent',
  });
  build.add('MaternityBookingRecorded', build.daysAgo(birth + 230), ORGANISATIONS.maternity, {
    estimatedDueDate: build.daysAgo(birth).toISOString().slice(0, 10),
    gravida: 2,
    parity: 1,
    riskLevel: 'low',
    leadProfessional: 'midwife',
  });
  for (let contact = 0; contact < 10; contact++)
    build.add(
      'AntenatalContactRecorded',
      build.daysAgo(birth + 210 - contact * 21),
      ORGANISATIONS.maternity,
      {
        gestationWeeks: 10 + contact * 3,
        bloodPressureSystolic: contact === 8 ? 146 : random.int(105, 125),
        bloodPressureDiastolic: contact === 8 ? 95 : random.int(65, 80),
        fetalHeartRate: random.int(120, 160),
        narrative:
          contact === 8
            ? 'BP raised, protein +; day unit today.'
            : 'Well. Fundal height on centile.',
      },
      contact === 8 ? { attention: 'midwife' } : {},
    );
  build.add('BirthRecorded', build.daysAgo(birth, 3), ORGANISATIONS.maternity, {
    birthTime: build.daysAgo(birth, 3).toISOString(),
    deliveryMethod: coded('Delivery normal'),
    babyNhsNumber: null,
    birthWeightGrams: 3420,
    gestationWeeks: 39,
  });
  for (const days of [1, 3, 5, 10, 14, 28])
    build.add('PostnatalContactRecorded', build.daysAgo(birth - days), ORGANISATIONS.maternity, {
      daysSinceBirth: days,
      motherWellbeing: 'Tired, mood good.',
      infantFeeding: 'breast',
      narrative: 'Baby feeding well.',
    });
  build.add(
    'CaseloadTransferredToHealthVisiting',
    build.daysAgo(birth - 28),
    ORGANISATIONS.maternity,
    {
      healthVisitingOrganisation: ORGANISATIONS.healthVisiting,
      transferDate: build
        .daysAgo(birth - 28)
        .toISOString()
        .slice(0, 10),
      childNhsNumber: null,
    },
  );
  for (const [days, stage] of [
    [birth - 12, 'new-birth'],
    [birth - 42, '6-8-week'],
  ] as const)
    build.add('HealthVisitorReviewRecorded', build.daysAgo(days), ORGANISATIONS.healthVisiting, {
      reviewStage: stage,
      childNhsNumber: null,
      narrative: 'Home visit. Feeding well. Safe sleep discussed.',
      concerns: [],
    });
  build.add(
    'ChildDevelopmentCheckRecorded',
    build.daysAgo(birth - 120),
    ORGANISATIONS.healthVisiting,
    {
      childNhsNumber: null,
      ageMonths: 4,
      scores: [{ domain: 'communication', score: 45 }],
      outcome: 'Development on track.',
    },
  );
  for (const days of [birth + 240, birth + 100, birth - 42, 20])
    build.consultation(
      days,
      random.pick([
        'Pregnancy confirmed; folic acid.',
        'Postnatal check, well.',
        'Low mood after birth; PHQ-9 12.',
      ]),
    );
  for (const [days, vaccine] of [
    [birth + 120, 'Pertussis vaccine'],
    [birth + 60, 'Influenza vaccine'],
    [birth + 90, 'RSV vaccine'],
  ] as const)
    build.add('ImmunisationRecorded', build.daysAgo(days), ORGANISATIONS.practice, {
      vaccine: coded(vaccine),
      doseNumber: 1,
      batchNumber: 'B1',
      site: 'left deltoid',
    });
  build.monthlyIssues(['Folic acid 400microgram tablets', 'Ferrous fumarate 210mg tablets'], 6);
  build
    .spread(6, birth + 230)
    .forEach((days, index) =>
      build.result(
        days,
        random.pick(['Haemoglobin', 'Blood group', 'Glucose tolerance']),
        '0',
        index === 2,
        index === 2,
      ),
    );
  build.urgent(birth + 50, 'triage', 'Reduced fetal movements');
  build.urgent(birth - 20, 'triage', 'Baby not feeding');
  for (const days of build.spread(3, 300))
    build.add('PatientNoteAdded', build.daysAgo(days), 'patient', {
      note: 'Sleeping badly, feeling low.',
    });
  build.wearables(26, 'steps per day', '/d', 3000, 80);
}

/** A young adult with recurrent depression and self-harm, crisis contacts, 18 months. */
function mentalHealthCrisis(build: RecordBuilder): void {
  const { random } = build;
  const span = 540;
  build.add('RegistrationStarted', new Date('2018-01-10T09:00:00Z'), ORGANISATIONS.practice, {
    registrationType: 'permanent',
  });
  for (const days of build.spread(15, span))
    build.consultation(
      days,
      random.pick([
        'Low mood, poor sleep. Safety-netted.',
        'Mood review; some improvement.',
        'Medication review.',
      ]),
    );
  build.prescribed(span - 3, 'Sertraline 100mg tablets', 'Depression');
  build.prescribed(200, 'Mirtazapine 15mg tablets', 'Depression');
  build.monthlyIssues(['Sertraline 100mg tablets', 'Mirtazapine 15mg tablets'], 18);
  build
    .spread(6, span)
    .forEach((days, index) =>
      build.result(
        days,
        random.pick(['Full blood count', 'Thyroid function']),
        '0',
        index === 3,
        false,
      ),
    );
  for (const days of build.spread(2, span))
    build.add('ReferralMade', build.daysAgo(days), ORGANISATIONS.practice, {
      service: 'Community mental health team',
      specialty: coded('Psychiatry'),
      urgency: 'urgent',
      reason: 'Worsening depression with self-harm.',
    });
  build
    .spread(6, span)
    .forEach((days, index) => build.letter(days, 'CMHT: seen; crisis plan agreed.', index < 2));
  for (const days of build.spread(8, span)) build.urgent(days, 'triage', 'Suicidal thoughts');
  for (const days of build.spread(4, span)) build.urgent(days, 'ed', 'Overdose');
  for (const days of build.spread(3, span)) build.urgent(days, 'ooh', 'Panic, unable to sleep');
  for (const days of build.spread(2, span))
    build.urgent(days, 'ambulance', 'Self-harm, wound dressed');
  build.add(
    'SafeguardingConcernRaised',
    build.daysAgo(210),
    ORGANISATIONS.council,
    {
      concernType: 'self-neglect',
      narrative: 'Not eating; flat in poor state.',
      immediateRisk: false,
      referredTo: 'Adult safeguarding hub',
    },
    { sensitivity: ['safeguarding'] },
  );
  build.add('CaseOpened', build.daysAgo(205), ORGANISATIONS.council, {
    reason: 'Self-neglect.',
    caseType: 'adult',
    allocatedTeam: 'Mental health social work',
  });
  build.add('AssessmentCompleted', build.daysAgo(190), ORGANISATIONS.council, {
    assessmentType: 'care-act-needs',
    outcome: 'Eligible',
    eligibleNeeds: ['nutrition'],
    narrative: 'Support with shopping and meals.',
  });
  build.add('CarePlanChanged', build.daysAgo(185), ORGANISATIONS.council, {
    summaryOfChange: 'Weekly support worker visit.',
    visitsPerWeek: 1,
    effectiveFrom: build.daysAgo(185).toISOString().slice(0, 10),
    planItems: ['shopping support'],
  });
  // A mood diary: near-identical entries with the odd bad day.
  for (const days of build.spread(40, span))
    build.add('PatientNoteAdded', build.daysAgo(days, 21), 'patient', {
      note: random.chance(0.8)
        ? random.pick(['Mood low, slept badly.', 'mood low - slept badly'])
        : 'Really bad day, thoughts of ending it.',
    });
  for (const days of build.spread(10, span))
    build.add('CarerObservationRecorded', build.daysAgo(days), 'patient', {
      carerUserId: 'carer-sam',
      observation: 'Withdrawn, staying in bed.',
      concernLevel: 'high',
    });
  build.wearables(76, 'sleep hours', 'h', 6, -0.01);
}

/** An adult with COPD, diabetes and hypertension managed in primary care, 18 months. */
function longTermConditions(build: RecordBuilder): void {
  const { random } = build;
  const span = 540;
  build.add('RegistrationStarted', new Date('2001-06-01T09:00:00Z'), ORGANISATIONS.practice, {
    registrationType: 'permanent',
  });
  for (const days of build.spread(10, span))
    build.consultation(
      days,
      random.pick([
        'Annual diabetes review.',
        'COPD review; inhaler technique checked.',
        'Hypertension review.',
      ]),
    );
  for (const problem of ['COPD', 'Type 2 diabetes', 'Hypertension'])
    build.add('ProblemRecorded', build.daysAgo(span - 1), ORGANISATIONS.practice, {
      problem: coded(problem),
      status: 'active',
      onsetDate: null,
      significance: 'major',
      narrative: null,
    });
  const repeats = [
    'Metformin 1g tablets',
    'Amlodipine 5mg tablets',
    'Tiotropium 18microgram inhalation powder capsules',
    'Salbutamol 100micrograms/dose inhaler',
    'Atorvastatin 20mg tablets',
  ];
  for (const item of repeats) build.prescribed(span - 2, item, 'long-term');
  build.monthlyIssues(repeats, 18);
  build
    .spread(24, span)
    .forEach((days, index) =>
      build.result(
        days,
        random.pick(['HbA1c', 'eGFR', 'Cholesterol', 'Urine ACR']),
        '0',
        index % 6 === 0,
        index % 12 === 0,
      ),
    );
  for (const [days, vaccine] of [
    [420, 'Influenza vaccine'],
    [60, 'Influenza vaccine'],
    [300, 'Pneumococcal vaccine'],
  ] as const)
    build.add('ImmunisationRecorded', build.daysAgo(days), ORGANISATIONS.practice, {
      vaccine: coded(vaccine),
      doseNumber: 1,
      batchNumber: 'V1',
      site: 'left deltoid',
    });
  build
    .spread(4, span)
    .forEach((days, index) => build.letter(days, 'Respiratory clinic: stable.', index === 0));
  for (const days of build.spread(2, span))
    build.add('ReferralMade', build.daysAgo(days), ORGANISATIONS.practice, {
      service: 'Pulmonary rehabilitation',
      specialty: coded('Respiratory medicine'),
      urgency: 'routine',
      reason: 'COPD.',
    });
  build.urgent(250, 'triage', 'Breathless, wheezy');
  build.urgent(249, 'ooh', 'COPD exacerbation; rescue pack started');
  for (const days of build.spread(60, span))
    build.bloodPressure(days, random.int(124, 150), random.int(72, 92));
  for (const days of build.spread(30, span))
    build.add('HomeReadingRecorded', build.daysAgo(days, 7), 'patient', {
      measurement: coded('Blood glucose', '33747003'),
      readings: [{ name: 'glucose', value: random.int(50, 110) / 10, unit: 'mmol/L' }],
      deviceName: null,
    });
  build.wearables(76, 'steps per day', '/d', 4200, -5);
}

const BUILDERS: Record<Archetype, (build: RecordBuilder) => void> = {
  'frail-elderly-with-carers': frailElderly,
  'young-family-new-baby': youngFamily,
  'mental-health-crisis': mentalHealthCrisis,
  'long-term-conditions': longTermConditions,
};

/** Pure for a seed: the record of one archetype, oldest first. */
export function generateRecord(archetype: Archetype, seed: number): GeneratedEntry[] {
  const build = new RecordBuilder(new SeededRandom(seed));
  BUILDERS[archetype](build);
  return [...build.entries].sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
}
