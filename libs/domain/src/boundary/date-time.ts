import { DomainError } from '../domain-error';

/**
 * Dates and times at the boundary: RFC 3339 only, checked digit by digit, so that nothing is
 * guessed. `Date.parse` rolls 2026-02-30 over to 2 March, reads 01/02/2026 as 2 January (a UK
 * writer means 1 February) and "1" as 2001; none of those passes here.
 */

/** The earliest clinical date carelog accepts anywhere (a lifelong record starts no earlier). */
export const EARLIEST_PLAUSIBLE_DATE = '1900-01-01';
export const EARLIEST_PLAUSIBLE_TIME = new Date(`${EARLIEST_PLAUSIBLE_DATE}T00:00:00Z`);

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeapYear = (year: number): boolean =>
  (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

const daysInMonth = (year: number, month: number): number =>
  [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;

const validDay = (year: number, month: number, day: number): boolean =>
  month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);

/** The instant an RFC 3339 date-time names, or undefined if it is not one (leap seconds included). */
export function rfc3339Instant(value: string): Date | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [sign, offsetHour, offsetMinute] = [match[8], Number(match[9]), Number(match[10])];
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  )
    return undefined;
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined;
  if (sign !== undefined && (offsetHour > 23 || offsetMinute > 59)) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** True for an RFC 3339 full-date (YYYY-MM-DD) that exists in the calendar. */
export function isFullDate(value: string): boolean {
  const match = FULL_DATE.exec(value);
  return match !== null && validDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

export interface TimeRange {
  earliest: Date;
  latest: Date;
}

/** An RFC 3339 date-time within `range`, or a DomainError naming the field. */
export function parseDateTime(
  value: unknown,
  field: string,
  range?: TimeRange,
  codes: { invalid: string; outOfRange: string } = {
    invalid: 'invalid-date-time',
    outOfRange: 'date-out-of-range',
  },
): Date {
  const time = typeof value === 'string' ? rfc3339Instant(value) : undefined;
  if (!time)
    throw new DomainError(
      codes.invalid,
      'must be an RFC 3339 date-time, e.g. 2026-02-01T09:30:00Z',
      field,
    );
  if (range && (time < range.earliest || time > range.latest))
    throw new DomainError(
      codes.outOfRange,
      `must lie between ${range.earliest.toISOString()} and ${range.latest.toISOString()}`,
      field,
    );
  return time;
}

/** How far into the future (from the day it is recorded) a date field may lie. */
export interface DateFieldRange {
  earliest: string;
  daysAhead: number;
}

/**
 * The plausible range of each date field, by `<EntryType>.<field>` (README: "Input limits").
 * A date not listed is something that has happened: from 1900 to the day after recording
 * (a day's grace for time zones).
 */
export const DATE_FIELD_RANGES: Readonly<Record<string, DateFieldRange>> = {
  // Booked from about 4 weeks' gestation: the due date is at most ~36 weeks ahead.
  'MaternityBookingRecorded.estimatedDueDate': {
    earliest: EARLIEST_PLAUSIBLE_DATE,
    daysAhead: 310,
  },
  'CarePlanChanged.effectiveFrom': { earliest: EARLIEST_PLAUSIBLE_DATE, daysAhead: 2 * 366 },
  'ReviewCompleted.nextReviewDate': { earliest: EARLIEST_PLAUSIBLE_DATE, daysAhead: 3 * 366 },
};
/**
 * Payload date-times that name a time to come, with how far ahead they may lie; every other
 * payload date-time is at most the entry's recordedAt (plus the clock skew).
 */
export const FUTURE_DATE_TIME_FIELDS: Readonly<Record<string, { hoursAhead: number }>> = {
  // A claimed relationship lapses: CARELOG_CLAIM_HOURS (default 24), at most a month.
  'RelationshipClaimed.expiresAt': { hoursAhead: 31 * 24 },
};

export const DEFAULT_DATE_RANGE: DateFieldRange = {
  earliest: EARLIEST_PLAUSIBLE_DATE,
  daysAhead: 1,
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The latest allowed full-date for a field, from the day the entry was recorded. */
export function latestDateFor(range: DateFieldRange, recordedAt: Date): string {
  return new Date(recordedAt.getTime() + range.daysAhead * DAY_MS).toISOString().slice(0, 10);
}

/** An RFC 3339 full-date (YYYY-MM-DD) within the field's plausible range. */
export function parseFullDate(
  value: unknown,
  field: string,
  range: DateFieldRange,
  recordedAt: Date,
): string {
  if (typeof value !== 'string' || !isFullDate(value))
    throw new DomainError('invalid-date', 'must be an RFC 3339 full-date, e.g. 2026-02-01', field);
  const latest = latestDateFor(range, recordedAt);
  // Full-dates of equal length compare as strings in calendar order.
  if (value < range.earliest || value > latest)
    throw new DomainError(
      'date-out-of-range',
      `must lie between ${range.earliest} and ${latest}`,
      field,
    );
  return value;
}
