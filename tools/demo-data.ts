import { mintLocalToken } from '@carelog/auth';

/** A fictitious patient and practice (the NHS number is valid but from a test range). */
export const DEMO_PATIENT = '9434765919';
export const DEMO_PRACTICE = 'A81001';

const DEMO_ENTRIES = [
  {
    key: 'demo-registration',
    body: {
      type: 'RegistrationStarted',
      occurredAt: '2019-04-02T09:00:00Z',
      payload: { registrationType: 'permanent' },
    },
  },
  {
    key: 'demo-consultation-1',
    body: {
      type: 'ConsultationRecorded',
      occurredAt: '2026-10-14T09:20:00Z',
      payload: {
        narrative:
          'Breathless on exertion for 2 months. Ankle swelling. Plan: bloods, ECG, review in 2 weeks.',
        codedItems: [{ system: 'http://snomed.info/sct', code: '267036007', display: 'Dyspnoea' }],
      },
    },
  },
];

/**
 * Records the demo entries through the public API. Fixed Idempotency-Keys make it safe to
 * run at every start: a repeat names the same events, and the projection keeps one of each.
 */
export async function seedDemoRecord(gpRecordsUrl: string): Promise<void> {
  const token = await mintLocalToken({
    role: 'gp',
    organisation: DEMO_PRACTICE,
    userId: 'dr-demo',
  });
  for (const entry of DEMO_ENTRIES) {
    const response = await fetch(`${gpRecordsUrl}/v1/entries`, {
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
