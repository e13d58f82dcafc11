import { DomainError } from '../domain-error';
import { isUuid } from './uuid';

/** Where a page ended: the sort time and id of its last item. */
export interface PagePosition {
  at: Date;
  id: string;
}

/** The longest cursor accepted: one this API returns is about 90 characters (150 for a journal line). */
export const MAX_CURSOR_LENGTH = 256;

/** How a cursor's id is checked and put in canonical form; undefined refuses the cursor. */
export type CursorIdReader = (id: string) => string | undefined;

/** The default: the id is a UUID (an entry's event id, a task id), in lower case. */
export const uuidCursorId: CursorIdReader = (id) => (isUuid(id) ? id.toLowerCase() : undefined);

/** The one cursor codec every paged route uses: opaque to clients, checked before it reaches SQL. */
export const encodePageCursor = (position: PagePosition): string =>
  Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');

const invalidCursor = (field: string): DomainError =>
  new DomainError('invalid-cursor', 'is not a cursor this API returned', field);

/**
 * The time a cursor holds: what encodePageCursor writes (Date#toISOString), or whole epoch
 * milliseconds as journal cursors held them before they shared this codec (a privacy officer
 * may still reconstruct a read made with one).
 */
function timeOf(at: unknown): Date | undefined {
  if (typeof at === 'number') {
    const time = new Date(at);
    return Number.isSafeInteger(at) && !Number.isNaN(time.getTime()) ? time : undefined;
  }
  if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at))
    return undefined;
  const time = new Date(at);
  return !Number.isNaN(time.getTime()) && time.toISOString() === at ? time : undefined;
}

export function decodePageCursor(
  cursor: unknown,
  field = 'cursor',
  readId: CursorIdReader = uuidCursorId,
): PagePosition {
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
  const time = timeOf(at);
  const canonicalId = typeof id === 'string' ? readId(id) : undefined;
  if (!time || canonicalId === undefined) throw invalidCursor(field);
  return { at: time, id: canonicalId };
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
