import { DomainError } from '../domain-error';
import { isUuid } from './uuid';

/** Where a page ended: the sort time and id of its last item. */
export interface PagePosition {
  at: Date;
  id: string;
}

/** The longest cursor accepted: one this API returns is about 90 characters. */
export const MAX_CURSOR_LENGTH = 256;

/** The one cursor codec every paged route uses: opaque to clients, checked before it reaches SQL. */
export const encodePageCursor = (position: PagePosition): string =>
  Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');

const invalidCursor = (field: string): DomainError =>
  new DomainError('invalid-cursor', 'is not a cursor this API returned', field);

export function decodePageCursor(cursor: unknown, field = 'cursor'): PagePosition {
  if (
    typeof cursor !== 'string' ||
    cursor.length > MAX_CURSOR_LENGTH ||
    !/^[A-Za-z0-9_-]+$/.test(cursor)
  )
    throw invalidCursor(field);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor(field);
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalidCursor(field);
  const [at, id] = value as unknown[];
  // Exactly what encodePageCursor writes: Date#toISOString and a UUID.
  if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at))
    throw invalidCursor(field);
  const time = new Date(at);
  if (Number.isNaN(time.getTime()) || time.toISOString() !== at || !isUuid(id))
    throw invalidCursor(field);
  return { at: time, id: id.toLowerCase() };
}

/** A page size from a query string: plain digits from 1 to `max` (not `1e2`, `1.0` or ` 5`). */
export function parsePageSize(
  value: string | undefined,
  page: { fallback: number; max: number; code: string },
  field = 'limit',
): number {
  if (value === undefined) return page.fallback;
  const size = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(size >= 1 && size <= page.max))
    throw new DomainError(page.code, `must be a whole number from 1 to ${page.max}`, field);
  return size;
}
