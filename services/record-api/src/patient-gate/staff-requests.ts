import type { Caller } from '@carelog/auth';
import {
  codePointLength,
  DomainError,
  isStaffRole,
  isValidNhsNumber,
  parseText,
} from '@carelog/domain';

/** The shortest reason accepted for break-glass, a claim or a reconstruction. */
export const MIN_REASON = 10;
export const MAX_REASON = 2000;

/** The `reason` field of a request body, trimmed, or `code` naming the field if it says too little. */
export function statedReason(body: unknown, code: string): string {
  const reason =
    typeof body === 'object' && body !== null
      ? (body as Record<string, unknown>)['reason']
      : undefined;
  if (typeof reason !== 'string' || codePointLength(reason.trim()) < MIN_REASON)
    throw new DomainError(code, `must state why, in at least ${MIN_REASON} characters`, 'reason');
  // Free text, kept and shown to the privacy officer: no control characters, bounded.
  return parseText(reason.trim(), 'reason', 'free-text', MAX_REASON);
}

/** Break-glass and claims are for clinical and care staff, about a well-formed NHS number. */
export function requireStaffFor(caller: Caller, nhsNumber: string, doing: string): void {
  if (!isStaffRole(caller.role) || caller.role === 'privacy-officer')
    throw new DomainError(
      'not-permitted',
      `only clinical and care staff may ${doing}`,
      'Authorization',
    );
  if (!isValidNhsNumber(nhsNumber))
    throw new DomainError(
      'invalid-nhs-number',
      'must be a 10-digit NHS number with a valid check digit',
      'nhsNumber',
    );
}
