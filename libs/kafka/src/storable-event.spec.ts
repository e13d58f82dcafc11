import { randomUUID } from 'node:crypto';
import { checkStorable } from './storable-event';

const event = (overrides: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  occurredAt: new Date('2026-01-01T10:00:00Z'),
  supersedes: null,
  payload: { narrative: 'Seen.\nPlan:\treview', codedItems: [{ code: '123' }] },
  ...overrides,
});

const codeOf = (value: object): string | undefined => {
  try {
    checkStorable(value);
    return undefined;
  } catch (error) {
    return `${(error as { code: string }).code}@${(error as { field: string }).field}`;
  }
};

describe('what a consumer can store', () => {
  it('takes an ordinary event, newlines and tabs included', () => {
    expect(codeOf(event())).toBeUndefined();
  });

  it('refuses a NUL anywhere, naming the field', () => {
    expect(codeOf(event({ payload: { codedItems: [{ code: 'a\u0000b' }] } }))).toBe(
      'nul-character@payload.codedItems.0.code',
    );
  });

  it('refuses year 0, negative years, years past 9999 and invalid dates', () => {
    const yearZero = new Date(0);
    yearZero.setUTCFullYear(0, 5, 1);
    expect(codeOf(event({ occurredAt: yearZero }))).toBe('date-out-of-range@occurredAt');
    expect(codeOf(event({ occurredAt: new Date(-70_000_000_000_000) }))).toBe(
      'date-out-of-range@occurredAt',
    );
    expect(codeOf(event({ payload: { at: new Date(8_000_000_000_000_000) } }))).toBe(
      'date-out-of-range@payload.at',
    );
    expect(codeOf(event({ occurredAt: new Date(Number.NaN) }))).toBe(
      'date-out-of-range@occurredAt',
    );
  });

  it('refuses ids that key rows when they are not UUIDs', () => {
    expect(codeOf(event({ eventId: 'not-a-uuid' }))).toBe('invalid-event-id@eventId');
    expect(codeOf(event({ supersedes: { eventId: '123', reason: 'x' } }))).toBe(
      'invalid-event-id@supersedes.eventId',
    );
  });
});
