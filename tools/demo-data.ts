import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import type { Role } from '@carelog/domain';

/** A fictitious patient, practice and local authority (the NHS number is from a test range). */
export const DEMO_PATIENT = '9434765919';
export const DEMO_PRACTICE = 'A81001';
export const DEMO_COUNCIL = '716';
/** The district nursing team the practice adds to the care team. */
export const DEMO_DISTRICT_NURSES = 'RYX';

/** A person, or (for the entries that start a relationship) the organisation's own source system. */
type DemoAuthor =
  | { role: Role; organisation: string }
  | { system: string; organisation: string; entryTypes: string[] };

interface DemoEntry {
  key: string;
  service: 'gp-records' | 'social-care';
  author: DemoAuthor;
  body: Record<string, unknown>;
}

const day = (date: string, time = '09:00') => `${date}T${time}:00Z`;
const gp = { role: 'gp', organisation: DEMO_PRACTICE } as const;
const socialWorker = { role: 'social-worker', organisation: DEMO_COUNCIL } as const;
const careWorker = { role: 'care-worker', organisation: DEMO_COUNCIL } as const;
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
export async function sendAccepted(key: string, url: string, init: RequestInit): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status === 202) return;
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
  for (const entry of DEMO_ENTRIES) {
    await sendAccepted(entry.key, `${urls[entry.service]}/v1/entries`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await tokenFor(entry.author)}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': entry.key,
      },
      body: JSON.stringify({ patient: { nhsNumber: DEMO_PATIENT }, ...entry.body }),
    });
  }
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
}
