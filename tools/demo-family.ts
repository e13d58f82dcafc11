import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';

/** A fictitious mother and her baby, with the baby's own NHS number (both from a test range). */
export const DEMO_MOTHER = '9434765846';
export const DEMO_BABY = '9434765854';
export const DEMO_MATERNITY = 'R1H';
/** The community trust's health visiting team (the trust runs district nursing too). */
export const DEMO_HEALTH_VISITING = 'RYX';

const day = (date: string, time = '09:00') => `${date}T${time}:00Z`;

interface FamilyEntry {
  key: string;
  nhsNumber: string;
  token: () => Promise<string>;
  body: Record<string, unknown>;
}

const midwife = () =>
  mintLocalToken({ role: 'midwife', organisation: DEMO_MATERNITY, userId: 'demo-midwife' });
const healthVisitor = () =>
  mintLocalToken({
    role: 'health-visitor',
    organisation: DEMO_HEALTH_VISITING,
    userId: 'demo-health-visitor',
  });
// A booking starts the maternity service's relationship: only its own system records it.
const maternitySystem = () =>
  mintLocalSystemToken({
    organisation: DEMO_MATERNITY,
    entryTypes: ['MaternityBookingRecorded'],
    clientId: 'demo-maternity-system',
  });

/**
 * The booking, the birth (which creates the baby's record, linked to the mother's, with her
 * parental responsibility), the hand-over to health visiting and the new birth review on the
 * baby's own record, in the order the projection needs them.
 */
const FAMILY_ENTRIES: FamilyEntry[] = [
  {
    key: 'demo-family-booking',
    nhsNumber: DEMO_MOTHER,
    token: maternitySystem,
    body: {
      type: 'MaternityBookingRecorded',
      occurredAt: day('2026-03-02'),
      payload: {
        estimatedDueDate: '2026-10-05',
        gravida: 1,
        parity: 0,
        riskLevel: 'low',
        leadProfessional: 'midwife',
      },
    },
  },
  {
    key: 'demo-family-birth',
    nhsNumber: DEMO_MOTHER,
    token: midwife,
    body: {
      type: 'BirthRecorded',
      occurredAt: day('2026-10-02', '04:30'),
      payload: {
        birthTime: day('2026-10-02', '03:12'),
        deliveryMethod: {
          system: 'http://snomed.info/sct',
          code: '48782003',
          display: 'Delivery normal',
        },
        babyNhsNumber: DEMO_BABY,
        birthWeightGrams: 3420,
        gestationWeeks: 40,
        sexAtBirth: 'female',
        birthOrder: 1,
      },
    },
  },
  {
    key: 'demo-family-transfer',
    nhsNumber: DEMO_MOTHER,
    token: midwife,
    body: {
      type: 'CaseloadTransferredToHealthVisiting',
      occurredAt: day('2026-10-12'),
      payload: {
        healthVisitingOrganisation: DEMO_HEALTH_VISITING,
        transferDate: '2026-10-12',
        childNhsNumber: DEMO_BABY,
      },
    },
  },
  {
    key: 'demo-family-new-birth-review',
    nhsNumber: DEMO_BABY,
    token: healthVisitor,
    body: {
      type: 'HealthVisitorReviewRecorded',
      occurredAt: day('2026-10-14', '10:30'),
      payload: {
        reviewStage: 'new-birth',
        childNhsNumber: DEMO_BABY,
        narrative: 'New birth visit at home. Feeding well, weight regained. Safe sleep discussed.',
        concerns: [],
      },
    },
  },
];

/**
 * Records the demo family through the maternity service. `send` retries until accepted, as
 * each entry needs what the projection made of the one before.
 */
export async function seedDemoFamily(
  maternityUrl: string,
  send: (key: string, url: string, init: RequestInit) => Promise<unknown>,
): Promise<void> {
  for (const entry of FAMILY_ENTRIES)
    await send(entry.key, `${maternityUrl}/v1/entries`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await entry.token()}`,
        'Content-Type': 'application/json',
        'Idempotency-Key': entry.key,
      },
      body: JSON.stringify({ patient: { nhsNumber: entry.nhsNumber }, ...entry.body }),
    });
}
