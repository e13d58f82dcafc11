import { mintLocalToken } from '@carelog/auth';
import type { Role } from '@carelog/domain';

/** A fictitious patient, practice and local authority (the NHS number is from a test range). */
export const DEMO_PATIENT = '9434765919';
export const DEMO_PRACTICE = 'A81001';
export const DEMO_COUNCIL = '716';

interface DemoEntry {
  key: string;
  service: 'gp-records' | 'social-care';
  author: { role: Role; organisation: string };
  body: Record<string, unknown>;
}

const day = (date: string, time = '09:00') => `${date}T${time}:00Z`;
const gp = { role: 'gp', organisation: DEMO_PRACTICE } as const;
const socialWorker = { role: 'social-worker', organisation: DEMO_COUNCIL } as const;
const careWorker = { role: 'care-worker', organisation: DEMO_COUNCIL } as const;

const DEMO_ENTRIES: DemoEntry[] = [
  {
    key: 'demo-registration',
    service: 'gp-records',
    author: gp,
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
    author: socialWorker,
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

/**
 * Records the demo entries through the public APIs. Fixed Idempotency-Keys make it safe to
 * run at every start: a repeat names the same events and records nothing new.
 */
export async function seedDemoRecord(urls: Record<DemoEntry['service'], string>): Promise<void> {
  for (const entry of DEMO_ENTRIES) {
    const token = await mintLocalToken({ ...entry.author, userId: `demo-${entry.author.role}` });
    const response = await fetch(`${urls[entry.service]}/v1/entries`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': entry.key,
      },
      body: JSON.stringify({ patient: { nhsNumber: DEMO_PATIENT }, ...entry.body }),
    });
    if (response.status !== 202)
      throw new Error(
        `demo entry ${entry.key} was refused: ${response.status} ${await response.text()}`,
      );
  }
}
