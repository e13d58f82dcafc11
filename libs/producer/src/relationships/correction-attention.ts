import type { UncheckedRecordEntryEvent } from '@carelog/codec';
import { DomainError } from '@carelog/domain';

type Attention = UncheckedRecordEntryEvent['attention'];

/**
 * The flag an amendment carries (docs/architecture.md, "Legitimate relationships": it keeps
 * its flag unless the correction says the concern is resolved): the flag it gives itself, else none when
 * `concernResolved: true`, else the entry's flag as it stands, so its task stays.
 */
export function correctionAttention(
  body: Record<string, unknown>,
  original: { attention?: Attention },
  given: Attention,
): Attention {
  const resolved = body['concernResolved'];
  if (resolved !== undefined && resolved !== null && typeof resolved !== 'boolean')
    throw new DomainError('invalid-concern-resolved', 'must be true or false', 'concernResolved');
  if (given) {
    if (resolved === true)
      throw new DomainError(
        'invalid-concern-resolved',
        'a correction that says the concern is resolved cannot flag the entry again',
        'concernResolved',
      );
    return given;
  }
  return resolved === true ? null : (original.attention ?? null);
}
