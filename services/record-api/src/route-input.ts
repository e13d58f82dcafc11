import { codePointLength, DomainError } from '@carelog/domain';
import type { AnyCaller } from '@carelog/auth';
import type { Accepted, EntryRecorder } from '@carelog/producer';

/** Request input of the record API's routes that record an entry on the caller's behalf. */
const MAX_TEXT = 2000;

/** A JSON object body (none counts as empty). */
export const asObject = (body: unknown): Record<string, unknown> => {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new DomainError('invalid-body', 'must be a JSON object', 'body');
  return body as Record<string, unknown>;
};

/** Text of 1 to 2,000 characters, counted as the OpenAPI schema's maxLength counts (code points). */
export function requiredText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '' || codePointLength(value) > MAX_TEXT)
    throw new DomainError('invalid-' + field, `must be text of 1 to ${MAX_TEXT} characters`, field);
  return value;
}

export function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  return requiredText(value, field);
}

/** A boolean flag of a body, or its default when left out; anything but true or false is refused. */
export function optionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new DomainError('invalid-' + field, 'must be true or false', field);
  return value;
}

/** Records an entry of the patient topic now, through the same rules as every producer. */
export function recordNow(
  recorder: EntryRecorder,
  caller: AnyCaller,
  nhsNumber: string,
  type: string,
  payload: Record<string, unknown>,
  key: string | undefined,
): Promise<Accepted> {
  // A retry with the same Idempotency-Key is the same request whenever it is sent: it is
  // compared without the time, so it answers the first recording instead of 409.
  const request = { type, patient: { nhsNumber }, payload };
  return recorder.record(
    { ...request, occurredAt: new Date().toISOString() },
    key,
    undefined,
    caller,
    request,
  );
}
