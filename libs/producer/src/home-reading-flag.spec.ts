import type { Caller } from '@carelog/auth';
import { DomainError, entryTypesOf, evaluateHomeBloodPressure } from '@carelog/domain';
import { decideEntry, decideHomeReadingFlag, type ProducerContext } from './entry-decision';

const nhsNumber = '9434765919';
const context = (now: Date): ProducerContext => ({
  service: 'record-api',
  domain: 'patient',
  entryTypes: entryTypesOf('patient'),
  schemaVersionOf: () => 1,
  now,
  correlationId: 'corr-1',
});
const [severe] = evaluateHomeBloodPressure([
  {
    eventId: 'reading-1',
    occurredAt: new Date('2026-05-20T07:30:00Z'),
    systolic: 188,
    diastolic: 104,
  },
]);

describe('a home-reading rule finding as an event', () => {
  it('is flagged for the GPs of the practice, authored by the system, with the readings linked', () => {
    if (!severe) throw new Error('the rule should have found the reading');
    const event = decideHomeReadingFlag(nhsNumber, 'A81001', severe, context(new Date()));
    expect(event.type).toBe('HomeReadingsFlagged');
    expect(event.attention).toMatchObject({ role: 'gp', organisation: 'A81001' });
    expect(event.author).toMatchObject({ role: 'system', userId: 'carelog-home-reading-rules' });
    expect(event.payload).toMatchObject({
      urgency: 'urgent',
      readings: ['reading-1'],
      guidance: 'NICE NG136',
    });
  });

  it('has one id for a finding, whenever it is found and whichever practice it goes to', () => {
    if (!severe) throw new Error('the rule should have found the reading');
    const first = decideHomeReadingFlag(nhsNumber, 'A81001', severe, context(new Date(1)));
    const later = decideHomeReadingFlag(nhsNumber, 'B82002', severe, context(new Date(2)));
    expect(later.eventId).toBe(first.eventId);
    expect(
      decideHomeReadingFlag('9000000009', 'A81001', severe, context(new Date(1))).eventId,
    ).not.toBe(first.eventId);
  });

  it('cannot be written by a patient through the contributions route', () => {
    const patient: Caller = {
      userId: 'p-1',
      role: 'patient',
      profession: 'patient',
      organisation: 'NHSLOGIN',
      system: 'nhs-login',
      nhsNumber,
    };
    expect(() =>
      decideEntry(
        {
          body: {
            patient: { nhsNumber },
            type: 'HomeReadingsFlagged',
            occurredAt: '2026-05-20T07:30:00Z',
            payload: {},
          },
          idempotencyKey: 'key-1',
          caller: patient,
        },
        context(new Date('2026-05-21T00:00:00Z')),
      ),
    ).toThrow(DomainError);
  });
});
