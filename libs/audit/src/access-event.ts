import { ACCESS_BASES, DomainError, isUuid, type AccessBasis } from '@carelog/domain';

/** Every kind of access the record API writes down (docs/architecture.md, "Access rules"). */
export const ACCESS_ACTIONS = [
  'read-record',
  'read-journal',
  'read-entry',
  'read-entry-history',
  'read-access-log',
  'read-tasks',
  'acknowledge-task',
  'break-glass',
  'write-contribution',
  'write-consent',
  // A person's claim of a care relationship (docs/architecture.md, "Legitimate relationships", way 3).
  'claim-relationship',
  // A privacy officer's own reads and decisions.
  'read-privacy-alerts',
  'acknowledge-alert',
  'reconstruct-view',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export type AccessOutcome = 'allowed' | 'denied';

export interface AccessActor {
  readonly userId: string;
  readonly role: string;
  /** ODS code. */
  readonly organisation: string;
}

export interface BreakGlassGrant {
  readonly reason: string;
  readonly expiresAt: Date;
}

/** The claim a read was made under (or, for `claim-relationship`, the one made). */
export interface RelationshipClaim {
  readonly reason: string;
  readonly expiresAt: Date;
}

/** What a privacy officer did and why: a reconstruction, or an alert acknowledged. */
export interface PrivacyReview {
  /** The reason the officer stated (a reconstruction), or their note (an acknowledgement). */
  readonly reason: string | null;
  /** Whose view was reconstructed, and as at when. */
  readonly reader: AccessActor | null;
  readonly asAt: Date | null;
  /** The alert acknowledged (its access id), and the outcome recorded. */
  readonly alertId: string | null;
  readonly outcome: string | null;
}

/** One read of (or request for) a patient's data, allowed or denied. */
export interface AccessEvent {
  readonly accessId: string;
  readonly occurredAt: Date;
  readonly actor: AccessActor;
  /** As the caller asked for it: ten digits, or the raw id when it was malformed. */
  readonly nhsNumber: string;
  readonly action: AccessAction;
  readonly outcome: AccessOutcome;
  /** How many entries the caller was shown; null when the access shows no entries. */
  readonly entriesShown: number | null;
  /** The break-glass the access was made under (or, for `break-glass`, the one granted). */
  readonly breakGlass: BreakGlassGrant | null;
  /**
   * Why the reader was let in: patient, care-relationship, carer, break-glass or claim; null
   * for a denied access and for events that are not reads of a patient (privacy officers').
   * Optional only so that events made before it existed still type-check; stored as null.
   */
  readonly basis?: AccessBasis | null;
  /** The claim the access was made under (or, for `claim-relationship`, the one made). */
  readonly claim?: RelationshipClaim | null;
  /** A privacy officer's reconstruction or acknowledgement. */
  readonly review?: PrivacyReview | null;
}

/** JSON as Postgres jsonb stores it and hands it back. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * An access event in exactly the form Postgres stores and returns it: the hash is computed
 * over these values, so they must survive the round trip unchanged (a lower-case uuid,
 * ISO 8601 times with milliseconds, only the actor's three fields).
 */
export interface StoredAccessFields {
  accessId: string;
  occurredAt: string;
  actor: { userId: string; role: string; organisation: string };
  nhsNumber: string;
  action: string;
  outcome: string;
  entriesShown: number | null;
  breakGlass: { reason: string; expiresAt: string } | null;
  basis: string | null;
  claim: { reason: string; expiresAt: string } | null;
  review: {
    reason: string | null;
    reader: { userId: string; role: string; organisation: string } | null;
    asAt: string | null;
    alertId: string | null;
    outcome: string | null;
  } | null;
}

const invalid = (field: string, message: string) =>
  new DomainError('invalid-access-event', message, field);

function isoTime(value: Date, field: string): string {
  if (!(value instanceof Date) || Number.isNaN(value.getTime()))
    throw invalid(field, 'must be a valid date');
  return value.toISOString();
}

/**
 * Checks an access event and puts it in its stored form. The checks are the ones TypeScript
 * cannot make and the ones the hash depends on; a refused event is never half-written.
 */
export function storedAccessFields(event: AccessEvent): StoredAccessFields {
  if (!isUuid(event.accessId)) throw invalid('accessId', 'must be a UUID');
  if (!(ACCESS_ACTIONS as readonly string[]).includes(event.action))
    throw invalid('action', 'is not a known access action');
  if (event.outcome !== 'allowed' && event.outcome !== 'denied')
    throw invalid('outcome', "must be 'allowed' or 'denied'");
  if (
    event.entriesShown !== null &&
    !(Number.isSafeInteger(event.entriesShown) && event.entriesShown >= 0)
  )
    throw invalid('entriesShown', 'must be a whole number of entries, or null');
  // Break-glass needs a stated reason and is time-limited (docs/architecture.md).
  if (event.action === 'break-glass' && event.outcome === 'allowed' && !event.breakGlass?.reason)
    throw invalid('breakGlass.reason', 'an allowed break-glass needs a stated reason');
  const basis = event.basis ?? null;
  if (basis !== null && !(ACCESS_BASES as readonly string[]).includes(basis))
    throw invalid('basis', `must be one of ${ACCESS_BASES.join(', ')}, or null`);
  // A claim needs a stated reason and is time-limited (docs/architecture.md, way 3).
  if (event.action === 'claim-relationship' && event.outcome === 'allowed' && !event.claim?.reason)
    throw invalid('claim.reason', 'an allowed claim needs a stated reason');
  const claim = event.claim ?? null;
  const review = event.review ?? null;
  return {
    accessId: event.accessId.toLowerCase(),
    occurredAt: isoTime(event.occurredAt, 'occurredAt'),
    actor: {
      userId: event.actor.userId,
      role: event.actor.role,
      organisation: event.actor.organisation,
    },
    nhsNumber: event.nhsNumber,
    action: event.action,
    outcome: event.outcome,
    entriesShown: event.entriesShown,
    breakGlass: event.breakGlass && {
      reason: event.breakGlass.reason,
      expiresAt: isoTime(event.breakGlass.expiresAt, 'breakGlass.expiresAt'),
    },
    basis,
    claim: claim && {
      reason: claim.reason,
      expiresAt: isoTime(claim.expiresAt, 'claim.expiresAt'),
    },
    review: review && {
      reason: review.reason,
      reader: review.reader && {
        userId: review.reader.userId,
        role: review.reader.role,
        organisation: review.reader.organisation,
      },
      asAt: review.asAt && isoTime(review.asAt, 'review.asAt'),
      alertId: review.alertId && review.alertId.toLowerCase(),
      outcome: review.outcome,
    },
  };
}
