import { DomainError } from '../domain-error';

/** RFC 9562 text form: 8-4-4-4-12 hexadecimal digits (any version; Postgres' uuid accepts all). */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one test of an id's shape, for every route, cursor and message that carries one. */
export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID_PATTERN.test(value);

/** A UUID in its canonical lower-case form, or `invalid-id` naming the field. */
export function parseUuid(value: unknown, field: string): string {
  if (!isUuid(value)) throw new DomainError('invalid-id', 'must be a UUID', field);
  return value.toLowerCase();
}
