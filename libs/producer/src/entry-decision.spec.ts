import type { Caller } from '@carelog/auth';
import { entryTypesOf } from '@carelog/domain';
import { decideEntry, eventIdFor, type ProducerContext } from './entry-decision';

const gp: Caller = {
  userId: 'dr-a',
  role: 'gp',
  profession: 'gp',
  organisation: 'A81001',
  system: 'emis-web',
};
const now = new Date('2026-06-01T12:00:00.000Z');
const context: ProducerContext = {
  service: 'gp-records',
  domain: 'gp',
  entryTypes: entryTypesOf('gp'),
  schemaVersionOf: () => 1,
  now,
  correlationId: 'corr-1',
};
const body = {
  patient: { nhsNumber: '9434765919' },
  type: 'ConsultationRecorded',
  occurredAt: '2026-06-01T11:00:00Z',
  payload: { narrative: 'Seen.', codedItems: [] },
};
const decide = (overrides: Record<string, unknown> = {}, caller: Caller = gp, key = 'key-1') =>
  decideEntry({ body: { ...body, ...overrides }, idempotencyKey: key, caller }, context);

describe('deciding an entry', () => {
  it('stamps source and author from the token, never from the body', () => {
    const event = decide({ author: { userId: 'someone-else' }, source: { organisation: 'FAKE' } });
    expect(event.author).toEqual({
      userId: 'dr-a',
      role: 'gp',
      profession: 'gp',
      organisation: 'A81001',
    });
    expect(event.source).toEqual({
      service: 'gp-records',
      organisation: 'A81001',
      system: 'emis-web',
    });
    expect(event.recordedAt).toEqual(now);
  });

  it('gives the same event id for the same caller and key, and different ids otherwise', () => {
    expect(decide().eventId).toBe(decide().eventId);
    expect(decide({}, gp, 'key-2').eventId).not.toBe(decide().eventId);
    expect(eventIdFor({ ...gp, userId: 'dr-b' }, 'key-1')).not.toBe(eventIdFor(gp, 'key-1'));
    expect(decide().eventId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it.each([
    [
      'a missing Idempotency-Key',
      () => decideEntry({ body, idempotencyKey: undefined, caller: gp }, context),
      'missing-idempotency-key',
      'Idempotency-Key',
    ],
    [
      'a blank Idempotency-Key',
      () => decide({}, gp, '  '),
      'missing-idempotency-key',
      'Idempotency-Key',
    ],
    [
      'a bad NHS number',
      () => decide({ patient: { nhsNumber: '9434765918' } }),
      'invalid-nhs-number',
      'patient.nhsNumber',
    ],
    ['an unknown entry type', () => decide({ type: 'Prescription' }), 'unknown-entry-type', 'type'],
    [
      'a clinical time in the future',
      () => decide({ occurredAt: '2026-06-01T12:10:00Z' }),
      'clinical-time-in-future',
      'occurredAt',
    ],
    [
      'an unparseable clinical time',
      () => decide({ occurredAt: 'yesterday' }),
      'invalid-clinical-time',
      'occurredAt',
    ],
    [
      'an unknown sensitivity category',
      () => decide({ sensitivity: ['secret'] }),
      'unknown-sensitivity-category',
      'sensitivity[0]',
    ],
    [
      'a payload that is not an object',
      () => decide({ payload: 'text' }),
      'invalid-payload',
      'payload',
    ],
    [
      'attention without an organisation',
      () => decide({ attention: { role: 'gp' } }),
      'invalid-attention',
      'attention',
    ],
    [
      'attention for a role that cannot act on it',
      () => decide({ attention: { role: 'carer', organisation: 'A81001' } }),
      'invalid-attention',
      'attention.role',
    ],
    [
      'attention for an unknown role',
      () => decide({ attention: { role: 'surgeon', organisation: 'A81001' } }),
      'invalid-attention',
      'attention.role',
    ],
    [
      'a role that may not author the type',
      () => decide({}, { ...gp, role: 'care-worker' }),
      'not-permitted-to-author',
      'type',
    ],
  ])('refuses %s with a stable code naming the field', (_case, act, code, field) => {
    expect(act).toThrow(expect.objectContaining({ code, field }));
  });

  it('keeps attention for a care role, with its reason as written', () => {
    expect(
      decide({ attention: { role: 'care-worker', organisation: 'LA0001', reason: 'check skin' } })
        .attention,
    ).toEqual({ role: 'care-worker', organisation: 'LA0001', reason: 'check skin' });
  });

  it('accepts a clinical time within the allowed clock skew', () => {
    expect(decide({ occurredAt: '2026-06-01T12:04:00Z' }).occurredAt).toEqual(
      new Date('2026-06-01T12:04:00Z'),
    );
  });
});
