import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import type { Role } from '@carelog/domain';

/** A fictitious patient, practice and local authority (the NHS number is from a test range). */
export const DEMO_PATIENT = '9434765919';
export const DEMO_PRACTICE = 'A81001';
export const DEMO_COUNCIL = '716';
/** The district nursing team the practice adds to the care team. */
export const DEMO_DISTRICT_NURSES = 'RYX';
/** The community pharmacy the demo patient nominated for their prescriptions. */
export const DEMO_PHARMACY = 'FA123';

/** A person, or (for the entries that start a relationship) the organisation's own source system. */
type DemoAuthor =
  | { role: Role; organisation: string }
  | { system: string; organisation: string; entryTypes: string[] };

interface DemoEntry {
  key: string;
  service: 'gp-records' | 'social-care' | 'community-nursing' | 'pharmacy';
  author: DemoAuthor;
  body: Record<string, unknown>;
}

const day = (date: string, time = '09:00') => `${date}T${time}:00Z`;
const gp = { role: 'gp', organisation: DEMO_PRACTICE } as const;
const socialWorker = { role: 'social-worker', organisation: DEMO_COUNCIL } as const;
const careWorker = { role: 'care-worker', organisation: DEMO_COUNCIL } as const;
const districtNurse = { role: 'community-nurse', organisation: DEMO_DISTRICT_NURSES } as const;
// Registrations and cases start relationships: only the organisation's own system records them.
const practiceSystem = {
  system: 'demo-gp-system',
  organisation: DEMO_PRACTICE,
  entryTypes: ['RegistrationStarted', 'RegistrationEnded'],
};
const councilSystem = {
  system: 'demo-case-management',
  organisation: DEMO_COUNCIL,
  entryTypes: ['CaseOpened', 'CaseClosed'],
};

const pharmacist = { role: 'pharmacist', organisation: DEMO_PHARMACY } as const;
// A walk-in Pharmacy First consultation starts the pharmacy's relationship: its own system sends it.
const pharmacySystem = {
  system: 'demo-pharmacy-services',
  organisation: DEMO_PHARMACY,
  entryTypes: ['PharmacyConsultationRecorded', 'VaccinationGiven'],
};
const FUROSEMIDE = {
  system: 'https://dmd.nhs.uk',
  code: '317971007',
  display: 'Furosemide 20mg tablets',
};
const RAMIPRIL = {
  system: 'https://dmd.nhs.uk',
  code: '318885001',
  display: 'Ramipril 2.5mg capsules',
};

/**
 * A medicine's whole life: two prescriptions, one issued to the nominated pharmacy and
 * dispensed there, then its dose changed; the other stopped with a reason. A Pharmacy First
 * consultation at the same pharmacy on another day.
 */
const DEMO_MEDICINES: DemoEntry[] = [
  {
    key: 'demo-prescribed-furosemide',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'MedicationPrescribed',
      occurredAt: day('2026-10-14', '09:40'),
      payload: {
        medication: FUROSEMIDE,
        dosageInstructions: 'One tablet each morning',
        quantity: '28 tablet',
        prescriptionType: 'repeat',
        indication: 'Ankle swelling',
        medicationId: 'demo-med-furosemide',
      },
    },
  },
  {
    key: 'demo-issued-furosemide',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'MedicationIssued',
      occurredAt: day('2026-10-14', '09:45'),
      payload: {
        medication: FUROSEMIDE,
        quantity: '28 tablet',
        issueNumber: 1,
        prescriptionEventId: null,
        medicationId: 'demo-med-furosemide',
        nominatedPharmacy: DEMO_PHARMACY,
      },
    },
  },
  {
    key: 'demo-dispensed-furosemide',
    service: 'pharmacy',
    author: pharmacist,
    body: {
      type: 'MedicineDispensed',
      occurredAt: day('2026-10-15', '11:10'),
      payload: {
        medication: FUROSEMIDE,
        quantity: '28 tablet',
        prescriptionEventId: null,
        medicationId: 'demo-med-furosemide',
        epsPrescriptionId: 'A7B86F-A81001-00001D',
      },
    },
  },
  {
    key: 'demo-changed-furosemide',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'MedicationChanged',
      occurredAt: day('2026-10-28', '10:00'),
      payload: {
        medicationId: 'demo-med-furosemide',
        medication: FUROSEMIDE,
        dosageInstructions: 'Two tablets each morning',
        previousDosageInstructions: 'One tablet each morning',
        reason: 'Still breathless; weight up 2 kg',
      },
    },
  },
  {
    key: 'demo-prescribed-ramipril',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'MedicationPrescribed',
      occurredAt: day('2025-06-03'),
      payload: {
        medication: RAMIPRIL,
        dosageInstructions: 'One capsule once a day',
        quantity: '28 capsule',
        prescriptionType: 'repeat',
        indication: 'Hypertension',
        medicationId: 'demo-med-ramipril',
      },
    },
  },
  {
    key: 'demo-stopped-ramipril',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'MedicationStopped',
      occurredAt: day('2026-10-14', '09:50'),
      payload: {
        medicationId: 'demo-med-ramipril',
        medication: RAMIPRIL,
        reason: 'Persistent dry cough',
      },
    },
  },
  {
    key: 'demo-pharmacy-first',
    service: 'pharmacy',
    author: pharmacySystem,
    body: {
      type: 'PharmacyConsultationRecorded',
      occurredAt: day('2026-11-20', '16:30'),
      payload: {
        condition: 'sore-throat',
        presentingComplaint: 'Sore throat for four days',
        clinicalNotes:
          'FeverPAIN score 2: no antibiotic indicated. Advised analgesia and fluids; safety-netted.',
        outcome: 'advice-only',
        supply: null,
        referral: null,
      },
    },
  },
];

const DEMO_ENTRIES: DemoEntry[] = [
  {
    key: 'demo-registration',
    service: 'gp-records',
    author: practiceSystem,
    body: {
      type: 'RegistrationStarted',
      occurredAt: day('2019-04-02'),
      payload: { registrationType: 'permanent' },
    },
  },
  {
    key: 'demo-consultation',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'ConsultationRecorded',
      occurredAt: day('2026-10-14', '09:20'),
      payload: {
        narrative:
          'Breathless on exertion for 2 months. Ankle swelling. Plan: NT-proBNP, ECG, review in 2 weeks.',
        codedItems: [{ system: 'http://snomed.info/sct', code: '267036007', display: 'Dyspnoea' }],
        consultationMedium: 'face-to-face',
      },
    },
  },
  {
    key: 'demo-result',
    service: 'gp-records',
    author: gp,
    body: {
      type: 'TestResultRecorded',
      occurredAt: day('2026-10-17'),
      attention: {
        role: 'gp',
        organisation: DEMO_PRACTICE,
        reason: 'Raised NT-proBNP: refer for echo',
      },
      payload: {
        test: {
          system: 'http://snomed.info/sct',
          code: '1033191000000107',
          display: 'NT-proBNP level',
        },
        value: '1240',
        unit: 'ng/L',
        referenceRange: '<400',
        interpretation: 'abnormal',
        narrative: null,
      },
    },
  },
  {
    key: 'demo-case',
    service: 'social-care',
    author: councilSystem,
    body: {
      type: 'CaseOpened',
      occurredAt: day('2026-10-01'),
      payload: {
        reason: 'Support at home after discharge.',
        caseType: 'adult',
        allocatedTeam: 'Reablement North',
      },
    },
  },
  {
    key: 'demo-care-plan',
    service: 'social-care',
    author: socialWorker,
    body: {
      type: 'CarePlanChanged',
      occurredAt: day('2026-10-20'),
      payload: {
        summaryOfChange: 'Evening visit added.',
        visitsPerWeek: 14,
        effectiveFrom: '2026-10-21',
        planItems: ['morning personal care', 'evening meal'],
      },
    },
  },
  ...Array.from({ length: 10 }, (_, index): DemoEntry => {
    const date = `2026-10-${String(21 + Math.floor(index / 2)).padStart(2, '0')}`;
    return {
      key: `demo-visit-${index}`,
      service: 'social-care',
      author: careWorker,
      body: {
        type: 'CareVisitRecorded',
        occurredAt: day(date, index % 2 ? '18:00' : '08:00'),
        payload: {
          visitStart: day(date, index % 2 ? '18:00' : '08:00'),
          visitEnd: day(date, index % 2 ? '18:30' : '08:45'),
          tasksCompleted: ['personal care', 'medication prompt'],
          note: 'Well today.',
          concernsRaised: false,
        },
      },
    };
  }),
  ...DEMO_MEDICINES,
];

/** The wound notes district nurses repeat visit after visit: the GP's journal folds them. */
const woundCare = (index: number, date: string, note: string): DemoEntry => ({
  key: `demo-wound-${index}`,
  service: 'community-nursing',
  author: districtNurse,
  body: {
    type: 'WoundCareRecorded',
    occurredAt: day(date, '10:30'),
    payload: {
      woundId: 'W1-left-leg',
      woundType: { system: 'http://snomed.info/sct', code: '429040005', display: 'Ulcer' },
      bodySite: {
        system: 'http://snomed.info/sct',
        code: '419975006',
        display: 'Skin structure of malleolus',
      },
      siteDescription: 'left medial malleolus',
      lengthMm: 30,
      widthMm: 20,
      depthMm: null,
      progress: 'no-change',
      signsOfInfection: false,
      dressing: 'silicone foam 10x10cm, two-layer compression',
      nextDressingDue: null,
      note,
    },
  },
});

/**
 * After the practice hands the patient to the district nursing team (care team): the nurses'
 * first visit, their wound notes (near-identical, three times a week) and a continence
 * assessment, and a care worker's visit flagged for the nurses.
 */
const DEMO_NURSING_ENTRIES: DemoEntry[] = [
  {
    key: 'demo-district-nursing-visit',
    service: 'community-nursing',
    author: districtNurse,
    body: {
      type: 'DistrictNursingVisitRecorded',
      occurredAt: day('2026-11-02', '10:00'),
      payload: {
        visitStart: day('2026-11-02', '09:40'),
        visitEnd: day('2026-11-02', '10:20'),
        visitType: 'first-assessment',
        interventions: ['leg ulcer assessment', 'Doppler ABPI'],
        note: 'Venous leg ulcer left ankle, ABPI 0.95 both legs: compression started. Dressings Mon, Wed, Fri.',
        nextVisitDue: '2026-11-04',
      },
    },
  },
  ...[
    ['2026-11-04', 'Wound redressed, no change. Moderate exudate, skin around intact.'],
    ['2026-11-06', 'Wound redressed, no change. Moderate exudate, skin around intact.'],
    ['2026-11-09', 'Wound redressed, no change; moderate exudate, skin around intact.'],
    ['2026-11-11', 'Wound redressed, no change. Moderate exudate, skin around intact'],
    ['2026-11-13', 'Wound redressed, no change. Moderate exudate, skin around intact.'],
    ['2026-11-16', 'Wound redressed, no change. Moderate exudate; skin around intact.'],
  ].map(([date, note], index) => woundCare(index, date ?? '', note ?? '')),
  {
    key: 'demo-continence',
    service: 'community-nursing',
    author: districtNurse,
    body: {
      type: 'ContinenceAssessmentRecorded',
      occurredAt: day('2026-11-16', '11:00'),
      payload: {
        bladder: 'urge',
        bowel: 'continent',
        finding: null,
        productsSupplied: ['all-in-one pads, size M, 4 a day'],
        plan: 'Three-day bladder diary; review in 4 weeks.',
        note: 'Urgency since the diuretic was increased; up twice at night.',
      },
    },
  },
  {
    key: 'demo-visit-flagged-for-nurses',
    service: 'social-care',
    author: careWorker,
    body: {
      type: 'CareVisitRecorded',
      occurredAt: day('2026-11-17', '08:00'),
      attention: {
        role: 'community-nurse',
        organisation: DEMO_DISTRICT_NURSES,
        reason: 'Bandage soaked through and slipped',
      },
      payload: {
        visitStart: day('2026-11-17', '08:00'),
        visitEnd: day('2026-11-17', '08:45'),
        tasksCompleted: ['personal care', 'medication prompt'],
        note: 'Bandage on the left leg soaked through and slipped down; leg more swollen.',
        concernsRaised: true,
      },
    },
  },
];

const tokenFor = (author: DemoAuthor): Promise<string> =>
  'system' in author
    ? mintLocalSystemToken({
        organisation: author.organisation,
        entryTypes: author.entryTypes,
        clientId: author.system,
      })
    : mintLocalToken({ ...author, userId: `demo-${author.role}` });

/**
 * Sends one request until it is accepted. A write needs the relationship an earlier entry
 * started, which the projection applies a moment later: until then it is refused (and
 * nothing is recorded), so it is sent again, for at most a minute.
 */
async function sendAccepted(key: string, url: string, init: RequestInit): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status === 202) return ((await response.json()) as { eventId: string }).eventId;
    const text = await response.text();
    const waiting = response.status === 403 || response.status === 422;
    if (!waiting || Date.now() > deadline)
      throw new Error(`demo entry ${key} was refused: ${response.status} ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Records the demo entries through the public APIs. Fixed Idempotency-Keys make it safe to
 * run at every start: a repeat names the same events and records nothing new.
 */
export async function seedDemoRecord(
  urls: Record<DemoEntry['service'] | 'record-api', string>,
): Promise<void> {
  const seedEntries = async (entries: readonly DemoEntry[]) => {
    for (const entry of entries)
      await sendAccepted(entry.key, `${urls[entry.service]}/v1/entries`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await tokenFor(entry.author)}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': entry.key,
        },
        body: JSON.stringify({ patient: { nhsNumber: DEMO_PATIENT }, ...entry.body }),
      });
  };
  await seedEntries(DEMO_ENTRIES);
  await seedResultsAndReadings(urls);
  // The practice hands over to the district nursing team: it joins the care team.
  await sendAccepted(
    'demo-care-team',
    `${urls['record-api']}/v1/patients/${DEMO_PATIENT}/care-team/${DEMO_DISTRICT_NURSES}`,
    {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${await tokenFor(gp)}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'demo-care-team',
      },
      body: JSON.stringify({
        role: 'community-nurse',
        team: 'District nursing East',
        reason: 'Leg oedema: skin care and compression.',
      }),
    },
  );
  await seedEntries(DEMO_NURSING_ENTRIES);
}

/** A result (its JSON for POST /v1/entries) as the demo practice's GP files it. */
const demoResult = (occurredAt: string, payload: Record<string, unknown>) => ({
  type: 'TestResultRecorded',
  occurredAt,
  payload: { unit: null, referenceRange: null, narrative: null, ...payload },
});

/**
 * Results release and home readings (README): the NT-proBNP above waits for the practice's
 * review; an eGFR the GP has reviewed is released to the patient; and a week of the patient's
 * home blood-pressure readings averaging about 146/91 opens a routine NICE NG136 review task
 * for the practice's GPs (the record API's home-reading rules raise it within a sweep).
 */
async function seedResultsAndReadings(
  urls: Record<DemoEntry['service'] | 'record-api', string>,
): Promise<void> {
  const post = async (key: string, url: string, token: string, body: Record<string, unknown>) =>
    sendAccepted(key, url, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': key,
      },
      body: JSON.stringify({ patient: { nhsNumber: DEMO_PATIENT }, ...body }),
    });
  const gpToken = await tokenFor(gp);
  const egfr = await post(
    'demo-result-egfr',
    `${urls['gp-records']}/v1/entries`,
    gpToken,
    demoResult(day('2026-10-17', '09:05'), {
      test: { system: 'http://snomed.info/sct', code: '1011481000000105', display: 'eGFR' },
      value: '52',
      unit: 'mL/min/1.73m2',
      referenceRange: '>90',
      interpretation: 'abnormal',
    }),
  );
  await post('demo-result-egfr-review', `${urls['gp-records']}/v1/entries`, gpToken, {
    type: 'TestResultReviewed',
    occurredAt: day('2026-10-18', '11:00'),
    payload: {
      result: { eventId: egfr },
      outcome: 'discussed-with-patient',
      commentForPatient: 'Slightly reduced kidney function; we will repeat it in 3 months.',
    },
  });
  const patientToken = await mintLocalToken({
    role: 'patient',
    organisation: 'NHSLOGIN',
    userId: 'demo-patient',
    nhsNumber: DEMO_PATIENT,
  });
  for (let index = 0; index < 14; index++) {
    const date = `2026-10-${String(21 + Math.floor(index / 2)).padStart(2, '0')}`;
    const evening = index % 2 === 1;
    await post(
      `demo-home-bp-${index}`,
      `${urls['record-api']}/v1/patients/${DEMO_PATIENT}/contributions`,
      patientToken,
      {
        type: 'HomeReadingRecorded',
        occurredAt: day(date, evening ? '20:00' : '07:30'),
        payload: {
          measurement: {
            system: 'http://snomed.info/sct',
            code: '75367002',
            display: 'Blood pressure',
          },
          readings: [
            { name: 'systolic', value: evening ? 149 : 143, unit: 'mm[Hg]' },
            { name: 'diastolic', value: evening ? 93 : 89, unit: 'mm[Hg]' },
          ],
          deviceName: 'Omron M3',
        },
      },
    );
  }
}
