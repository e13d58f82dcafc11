import { EARLIEST_PLAUSIBLE_TIME } from './boundary/date-time';
import { DomainError } from './domain-error';

/** How far a clinical time may lie ahead of the recording clock (clock skew between systems). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/**
 * Clinical time is when something happened: it cannot be later than when it was recorded,
 * nor earlier than 1900 (EARLIEST_PLAUSIBLE_TIME).
 */
export function checkClinicalTime(occurredAt: Date, recordedAt: Date, field = 'occurredAt'): void {
  if (Number.isNaN(occurredAt.getTime()))
    throw new DomainError('invalid-clinical-time', 'must be an RFC 3339 date-time', field);
  if (occurredAt.getTime() > recordedAt.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('clinical-time-in-future', 'must not be in the future', field);
  }
  if (occurredAt < EARLIEST_PLAUSIBLE_TIME)
    throw new DomainError(
      'clinical-time-out-of-range',
      `must not be before ${EARLIEST_PLAUSIBLE_TIME.toISOString()}`,
      field,
    );
}
