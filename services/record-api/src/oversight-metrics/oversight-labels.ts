import { DomainError } from '@carelog/domain';
import { problemFor } from '@carelog/nest-platform';

/**
 * Label values of the oversight metrics (break-glass, claims, audit verification). Every value
 * comes from a fixed list in this file, so that no label can ever carry an NHS number, a
 * person's or organisation's id, or a stated reason: a code the list does not know is `other`.
 */

/** The refusals a break-glass request can meet in its handler. */
export const BREAK_GLASS_REFUSAL_CODES = [
  'not-permitted',
  'invalid-nhs-number',
  'break-glass-reason-required',
  'invalid-text',
  'text-too-long',
] as const;

/** The refusals a relationship claim can meet in its handler (the recorder's included). */
export const CLAIM_REFUSAL_CODES = [
  'not-permitted',
  'invalid-nhs-number',
  'claim-reason-required',
  'invalid-text',
  'text-too-long',
  'idempotency-key-reused',
  'relationship-start-not-permitted',
] as const;

/** `code` on an answer that was not a refusal. */
export const NO_CODE = 'none';
/** `code` on a refusal whose code is not on the route's list. */
export const OTHER_CODE = 'other';

export type FailureLabels = { outcome: 'refused' | 'failed'; code: string };

/**
 * How a request that threw is counted: a domain error with a client status is `refused`
 * with its code (if the route's list names it, else `other`); anything else (the database or
 * the broker unavailable, a defect) is `failed`, code `none`.
 */
export function failureLabels(error: unknown, codes: readonly string[]): FailureLabels {
  if (error instanceof DomainError && problemFor(error.code, '').status < 500)
    return { outcome: 'refused', code: codes.includes(error.code) ? error.code : OTHER_CODE };
  return { outcome: 'failed', code: NO_CODE };
}

export const VERIFICATION_RESULTS = ['ok', 'broken', 'failed'] as const;
export type VerificationResult = (typeof VERIFICATION_RESULTS)[number];

/**
 * A verification's result: `ok` (the chain holds), `broken` (a row edited, deleted or moved)
 * or `failed` (it could not be made: the database unreachable, say).
 */
export function verificationResult(
  verdict: { ok: boolean } | { error: unknown },
): VerificationResult {
  if ('error' in verdict) return 'failed';
  return verdict.ok ? 'ok' : 'broken';
}
