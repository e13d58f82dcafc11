import { DomainError } from '@carelog/domain';

/**
 * The one place that decides what a consumer does with a failure (STYLE.md: "permanent vs
 * transient failures decided in one place and named"):
 *
 * - `permanent`: the message can never be handled (it does not decode, breaks the event
 *   contract, or the store refuses its data: Postgres classes 22 and 23). It goes to the
 *   consumer group's dead-letter topic at once and the consumer moves on.
 * - `transient`: this write may succeed if tried again (a serialization failure, a deadlock,
 *   a statement time-out, an error nobody classified). Retried with back-off at most
 *   MAX_TRANSIENT_ATTEMPTS times; a message that still fails is dead-lettered as
 *   `retries-exhausted`, so no message holds its partition for longer than that.
 * - `unavailable`: the store or the broker cannot be reached, or a table is locked. No
 *   message is at fault and every write would fail alike, so dead-lettering would empty the
 *   log into the dead-letter topic: retried with capped back-off until it comes back, while
 *   the lag and stall gauges show the partition standing still.
 */
export type FailureKind = 'permanent' | 'transient' | 'unavailable';

export interface ClassifiedFailure {
  kind: FailureKind;
  /** Stable and safe to log: a DomainError code, a SQLSTATE, a Node or kafkajs error name. */
  code: string;
  /** Why, without any value from the message (database errors quote row values; this never does). */
  reason: string;
}

/** Back-off between attempts of one write: 200 ms, doubling, never more than 5 s. */
export const RETRY_INITIAL_DELAY_MS = 200;
export const RETRY_BACKOFF_MULTIPLIER = 2;
export const RETRY_MAX_DELAY_MS = 5000;
/** Attempts of a write that fails transiently before its message is dead-lettered. */
export const MAX_TRANSIENT_ATTEMPTS = 10;

/** The delay before retry number `attempt` (1-based). */
export const retryDelayMs = (attempt: number): number =>
  Math.min(
    RETRY_INITIAL_DELAY_MS * RETRY_BACKOFF_MULTIPLIER ** Math.max(0, attempt - 1),
    RETRY_MAX_DELAY_MS,
  );

/** SQLSTATE classes and codes (PostgreSQL Appendix A) by what they mean for a consumer. */
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23']);
const UNAVAILABLE_SQLSTATE_CLASSES = new Set(['08', '53', '57', '58']);
const UNAVAILABLE_SQLSTATES = new Set(['55P03', '55006']);
/** 57014 is a statement time-out or cancel: this write took too long, not the server gone. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57014']);

/** Node's network error codes: nothing was reached. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Messages of pg / pg-pool errors that carry no code but mean the server went away. */
const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established/i;

/**
 * TypeORM's errors for a query runner (or the manager it provides) used after it was released:
 * in carelog they follow a connection the server terminated in the middle of a transaction.
 */
const RELEASED_RUNNER = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
]);

const SQLSTATE = /^[0-9A-Z]{5}$/;

interface ErrorFields {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  driverError?: unknown;
  retriable?: unknown;
}

const fieldsOf = (error: unknown): ErrorFields =>
  typeof error === 'object' && error !== null ? error : {};

/** Names of schema objects (never values) that say where a database error happened. */
function databaseContext(fields: ErrorFields): string {
  const parts: string[] = [];
  for (const key of ['table', 'column', 'constraint'] as const) {
    const value = fields[key];
    if (typeof value === 'string' && /^[\w.]{1,128}$/.test(value)) parts.push(`${key} ${value}`);
  }
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function classifySqlState(code: string, fields: ErrorFields): ClassifiedFailure {
  const where = databaseContext(fields);
  const sqlClass = code.slice(0, 2);
  if (PERMANENT_SQLSTATE_CLASSES.has(sqlClass))
    return {
      kind: 'permanent',
      code: `postgres-${code}`,
      reason: `the database refused the data: SQLSTATE ${code} (class ${sqlClass}, ${sqlClass === '22' ? 'data exception' : 'integrity constraint violation'})${where}`,
    };
  if (TRANSIENT_SQLSTATES.has(code))
    return {
      kind: 'transient',
      code: `postgres-${code}`,
      reason: `SQLSTATE ${code}${where}`,
    };
  if (UNAVAILABLE_SQLSTATE_CLASSES.has(sqlClass) || UNAVAILABLE_SQLSTATES.has(code))
    return {
      kind: 'unavailable',
      code: `postgres-${code}`,
      reason: `the database is unavailable: SQLSTATE ${code}${where}`,
    };
  return { kind: 'transient', code: `postgres-${code}`, reason: `SQLSTATE ${code}${where}` };
}

/** What a consumer does with `error`, raised while decoding, preparing or writing a message. */
export function classifyFailure(error: unknown): ClassifiedFailure {
  if (error instanceof DomainError)
    return { kind: 'permanent', code: error.code, reason: error.message };
  const fields = fieldsOf(error);
  // TypeORM's QueryFailedError copies the driver's fields, and keeps the driver error too.
  const driver = fieldsOf(fields.driverError);
  const code =
    typeof fields.code === 'string'
      ? fields.code
      : typeof driver.code === 'string'
        ? driver.code
        : undefined;
  if (code !== undefined && SQLSTATE.test(code))
    return classifySqlState(code, { ...driver, ...fields });
  if (code !== undefined && NETWORK_ERROR_CODES.has(code))
    return { kind: 'unavailable', code, reason: `network error ${code}` };
  const name = typeof fields.name === 'string' ? fields.name : 'Error';
  const message = typeof fields.message === 'string' ? fields.message : '';
  if (CONNECTION_LOST.test(message) || RELEASED_RUNNER.has(name))
    return { kind: 'unavailable', code: 'connection-lost', reason: 'the connection was lost' };
  if (name.startsWith('KafkaJS'))
    return { kind: 'unavailable', code: name, reason: `the broker did not answer (${name})` };
  return { kind: 'transient', code: name, reason: `unexpected ${name}` };
}

/** The failure that replaces a message after MAX_TRANSIENT_ATTEMPTS transient failures. */
export const retriesExhausted = (last: ClassifiedFailure): ClassifiedFailure => ({
  kind: 'permanent',
  code: 'retries-exhausted',
  reason: `failed ${MAX_TRANSIENT_ATTEMPTS} times, last with ${last.code}: ${last.reason}`,
});
