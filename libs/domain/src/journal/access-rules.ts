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
  endedAt: Date | null;
  expiresAt: Date | null;
}

export interface PatientFacts {
  relationships: readonly RelationshipFacts[];
  /** The sections this carer may see, when the patient has approved them. */
  carerScope: readonly string[] | null;
  /** An unexpired break-glass of this user for this patient. */
  breakGlass: boolean;
}

export type PatientAccess =
  | { allowed: false }
  | {
      allowed: true;
      basis: 'patient' | 'care-relationship' | 'carer' | 'break-glass';
      carerScope?: readonly string[];
    };

/**
 * Deny by default (DESIGN.md, "Access rules"): the patient themself, an approved carer, staff
 * of an organisation with an active relationship, or staff with an active break-glass.
 * Privacy officers read access logs, not records.
 */
export function decidePatientAccess(
  viewer: Viewer,
  nhsNumber: string,
  facts: PatientFacts,
  now: Date,
): PatientAccess {
  if (viewer.role === 'patient')
    return viewer.nhsNumber === nhsNumber
      ? { allowed: true, basis: 'patient' }
      : { allowed: false };
  if (viewer.role === 'carer') {
    return facts.carerScope
      ? { allowed: true, basis: 'carer', carerScope: facts.carerScope }
      : { allowed: false };
  }
  if (!isStaffRole(viewer.role) || viewer.role === 'privacy-officer') return { allowed: false };
  const related = facts.relationships.some(
    (relationship) =>
      relationship.organisation === viewer.organisation &&
      relationship.endedAt === null &&
      (relationship.expiresAt === null || relationship.expiresAt > now),
  );
  if (related) return { allowed: true, basis: 'care-relationship' };
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
 * Whether one entry may reach this viewer, whose access to the patient is already allowed.
 * The viewer's role must see the entry's kind in its view (or an always-show rule concerning
 * the role picks it out); legally protected categories reach only the patient, the authoring
 * organisation, and organisations the patient shared them with; safeguarding reaches only
 * safeguarding-trained roles; a seal hides an entry from whom the patient sealed it.
 */
export function mayViewEntry(
  viewer: Viewer,
  access: PatientAccess,
  entry: EntryFacts,
  consents: ConsentFacts,
): boolean {
  if (!access.allowed || viewer.role === 'privacy-officer') return false;
  const role: ViewRole = viewer.role;
  const inView =
    treatmentIn(JOURNAL_VIEWS[role], entry.entryType) !== 'omit' ||
    alwaysShowReasons(entry, { role, organisation: viewer.organisation }).length > 0;
  if (!inView) return false;
  if (access.basis === 'carer') {
    const section = sectionOf(entry.entryType);
    if (!section || !(access.carerScope ?? []).includes(section)) return false;
  }
  const ownOrganisation = isStaffRole(role) && entry.source.organisation === viewer.organisation;
  for (const category of entry.sensitivity) {
    if (PROTECTED.includes(category)) {
      const shared = consents.shares.some(
        (share) => share.category === category && share.organisation === viewer.organisation,
      );
      if (!(role === 'patient' || ownOrganisation || (shared && isStaffRole(role)))) return false;
    }
    if (category === 'patient-sealed' && !(role === 'patient' || ownOrganisation)) return false;
  }
  const safeguarding =
    entry.entryType === 'SafeguardingConcernRaised' || entry.sensitivity.includes('safeguarding');
  if (safeguarding && !SAFEGUARDING_TRAINED.includes(role)) return false;
  if (role !== 'patient') {
    const sealed = consents.seals.some(
      (seal) =>
        seal.entryEventId === entry.eventId &&
        ((seal.kind === 'role' && seal.value === role) ||
          (seal.kind === 'organisation' && seal.value === viewer.organisation) ||
          (seal.kind === 'person' && seal.value === viewer.userId)),
    );
    if (sealed) return false;
  }
  return true;
}
