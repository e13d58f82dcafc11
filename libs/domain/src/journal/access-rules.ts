import { decideParentalAccess, type ParentalFacts } from '../children/parental-access';
import { LEGALLY_PROTECTED_CATEGORIES } from '../sensitivity';
import type { Role, ViewRole } from '../roles';
import { isStaffRole } from '../roles';
import {
  alwaysShowReasons,
  JOURNAL_VIEWS,
  SAFEGUARDING_TRAINED,
  sectionOf,
  treatmentIn,
  type EntryFacts,
} from './journal-views';

export interface Viewer {
  role: Role;
  organisation: string;
  userId: string;
  /** Patients: their own NHS number. */
  nhsNumber?: string;
}

export interface RelationshipFacts {
  organisation: string;
  /** e.g. gp-registration, care-team; `claim` for a person's claim (way 3). */
  kind?: string;
  /** When carelog recorded it; a relationship recorded after `now` does not count yet. */
  startedAt?: Date;
  endedAt: Date | null;
  expiresAt: Date | null;
}

/** How a reader came to be allowed in: recorded on every access event. */
export const ACCESS_BASES = [
  'patient',
  'care-relationship',
  'carer',
  'break-glass',
  'claim',
  /** A person with parental responsibility for a child, as the child's policy allows. */
  'parental-responsibility',
] as const;
export type AccessBasis = (typeof ACCESS_BASES)[number];

export interface PatientFacts {
  relationships: readonly RelationshipFacts[];
  /** The sections this carer may see, when the patient has approved them. */
  carerScope: readonly string[] | null;
  /** An unexpired break-glass of this user for this patient. */
  breakGlass: boolean;
  /**
   * A patient reading another person's record: their parental responsibility for that person
   * as a child (absent: none, so refused).
   */
  parental?: ParentalFacts;
}

export type PatientAccess =
  | { allowed: false }
  | {
      allowed: true;
      basis: AccessBasis;
      carerScope?: readonly string[];
    };

/**
 * Deny by default (docs/architecture.md, "Access rules"): the patient themself, a person with parental
 * responsibility for a child as the child's policy allows, an approved carer, staff of an
 * organisation with an active relationship, or staff with an active break-glass. Privacy
 * officers read access logs, not records.
 */
export function decidePatientAccess(
  viewer: Viewer,
  nhsNumber: string,
  facts: PatientFacts,
  now: Date,
): PatientAccess {
  if (viewer.role === 'patient') {
    if (viewer.nhsNumber === nhsNumber) return { allowed: true, basis: 'patient' };
    return facts.parental && decideParentalAccess(facts.parental, now).allowed
      ? { allowed: true, basis: 'parental-responsibility' }
      : { allowed: false };
  }
  if (viewer.role === 'carer') {
    return facts.carerScope
      ? { allowed: true, basis: 'carer', carerScope: facts.carerScope }
      : { allowed: false };
  }
  if (!isStaffRole(viewer.role) || viewer.role === 'privacy-officer') return { allowed: false };
  const active = facts.relationships.filter(
    (relationship) =>
      relationship.organisation === viewer.organisation &&
      (relationship.startedAt === undefined || relationship.startedAt <= now) &&
      (relationship.endedAt === null || relationship.endedAt > now) &&
      (relationship.expiresAt === null || relationship.expiresAt > now),
  );
  // A claim is reviewed like break-glass, so a read it alone allows is marked as a claim.
  if (active.some((relationship) => relationship.kind !== 'claim'))
    return { allowed: true, basis: 'care-relationship' };
  if (active.length > 0) return { allowed: true, basis: 'claim' };
  return facts.breakGlass ? { allowed: true, basis: 'break-glass' } : { allowed: false };
}

export interface ConsentFacts {
  /** Active seals: the entry, and who it is sealed from. */
  seals: ReadonlyArray<{ entryEventId: string; kind: string; value: string }>;
  /** Legally protected categories the patient has agreed to share with an organisation. */
  shares: ReadonlyArray<{ category: string; organisation: string }>;
}

const PROTECTED: readonly string[] = LEGALLY_PROTECTED_CATEGORIES;

/**
 * Why an entry is or is not shown to a viewer whose access to the patient is allowed:
 * `shown`; `left-out`, because the reader's view leaves it out (routine for them, or outside a
 * carer's sections): a view may say how many; `protected`, because its very existence is
 * hidden from this reader (legally protected categories, safeguarding for a role not trained
 * for it, a seal): never counted, matched or hinted at (docs/architecture.md, "Nothing reveals what is
 * hidden"). Protection is decided first, so an entry both protected and out of view is protected.
 */
export type EntryDisclosure = 'shown' | 'left-out' | 'protected';

/**
 * Legally protected categories reach only the patient, the authoring organisation, and
 * organisations the patient shared them with; safeguarding reaches only safeguarding-trained
 * roles; a seal hides an entry from whom the patient sealed it. The viewer's role must then
 * see the entry's kind in its view (or an always-show rule concerning the role picks it out).
 */
export function entryDisclosure(
  viewer: Viewer,
  access: PatientAccess,
  entry: EntryFacts,
  consents: ConsentFacts,
): EntryDisclosure {
  if (!access.allowed || viewer.role === 'privacy-officer') return 'protected';
  const role: ViewRole = viewer.role;
  // The patient themself; a parent reading a child's record reads with the patient's view but
  // is not the patient: what the child's record protects stays protected from them.
  const self = role === 'patient' && access.basis === 'patient';
  const ownOrganisation = isStaffRole(role) && entry.source.organisation === viewer.organisation;
  for (const category of entry.sensitivity) {
    if (PROTECTED.includes(category)) {
      const shared = consents.shares.some(
        (share) => share.category === category && share.organisation === viewer.organisation,
      );
      if (!(self || ownOrganisation || (shared && isStaffRole(role)))) return 'protected';
    }
    if (category === 'patient-sealed' && !(self || ownOrganisation)) return 'protected';
  }
  const safeguarding =
    entry.entryType === 'SafeguardingConcernRaised' || entry.sensitivity.includes('safeguarding');
  if (safeguarding && !SAFEGUARDING_TRAINED.includes(role)) return 'protected';
  if (!self) {
    const sealed = consents.seals.some(
      (seal) =>
        seal.entryEventId === entry.eventId &&
        ((seal.kind === 'role' && seal.value === role) ||
          (seal.kind === 'organisation' && seal.value === viewer.organisation) ||
          (seal.kind === 'person' && seal.value === viewer.userId)),
    );
    if (sealed) return 'protected';
  }
  const inView =
    treatmentIn(JOURNAL_VIEWS[role], entry.entryType) !== 'omit' ||
    alwaysShowReasons(entry, { role, organisation: viewer.organisation }).length > 0;
  if (!inView) return 'left-out';
  if (access.basis === 'carer') {
    const section = sectionOf(entry.entryType);
    if (!section || !(access.carerScope ?? []).includes(section)) return 'left-out';
  }
  return 'shown';
}

/** Whether one entry may reach this viewer (see entryDisclosure). */
export const mayViewEntry = (
  viewer: Viewer,
  access: PatientAccess,
  entry: EntryFacts,
  consents: ConsentFacts,
): boolean => entryDisclosure(viewer, access, entry, consents) === 'shown';
