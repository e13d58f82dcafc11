import { DomainError, isUuid } from '@carelog/domain';

/**
 * The earliest and latest instants an RFC 3339 date-time can name (years 0001 to 9999). Year
 * 0 and negative years decode from Avro but no store takes them (Postgres has no year 0), and
 * a timestamp-millis beyond JavaScript's range decodes as an invalid Date.
 */
const EARLIEST = new Date(0);
EARLIEST.setUTCFullYear(1, 0, 1);
EARLIEST.setUTCHours(0, 0, 0, 0);
const LATEST = new Date(0);
LATEST.setUTCFullYear(9999, 11, 31);
LATEST.setUTCHours(23, 59, 59, 999);

/** Event fields that every store keys rows by, and so must be UUIDs. */
const UUID_FIELDS: ReadonlyArray<readonly string[]> = [['eventId'], ['supersedes', 'eventId']];

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function walk(value: unknown, path: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      throw new DomainError('nul-character', 'a string holds a NUL character', path.join('.'));
    return;
  }
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time) || time < EARLIEST.getTime() || time > LATEST.getTime())
      throw new DomainError(
        'date-out-of-range',
        'a date-time is outside years 0001 to 9999',
        path.join('.'),
      );
    return;
  }
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, [...path, String(index)]));
    return;
  }
  for (const [key, inner] of Object.entries(value)) walk(inner, [...path, key]);
}

/**
 * What a decoded event must be before any consumer tries to store it: what the Avro schema
 * cannot say but every store depends on. It judges only what no store could ever hold (so
 * a replay of old events never finds one newly refused): no NUL in any string, every
 * date-time within years 0001 to 9999, and ids that key rows are UUIDs. A DomainError names
 * the field; the consumer dead-letters the event.
 */
export function checkStorable(event: object): void {
  for (const path of UUID_FIELDS) {
    const value = at(event, path);
    if (value !== undefined && value !== null && !isUuid(value))
      throw new DomainError('invalid-event-id', 'must be a UUID', path.join('.'));
  }
  walk(event, []);
}
