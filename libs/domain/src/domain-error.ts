/**
 * The one error currency of the domain: a stable machine-readable `code` (documented in the
 * API contract, never renamed), the offending `field` where there is one, and a message a
 * person can act on. Messages never contain record content or NHS numbers.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
