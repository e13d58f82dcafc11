import type { Caller } from '@carelog/auth';
import { DomainError, isStaffRole, LEGALLY_PROTECTED_CATEGORIES } from '@carelog/domain';

/** The same answer for "no such patient" and "you may not see this patient". */
export const patientNotFound = (): DomainError =>
  new DomainError('patient-not-found', 'no patient with that NHS number is visible to you');

export interface Relationship {
  organisation: string;
  endedAt: Date | null;
}

/**
 * Deny by default: the patient themself, or staff of an organisation with an active care
 * relationship. Approved carers and break-glass come with the record-API access rules.
 */
export function mayReadPatient(
  caller: Caller,
  nhsNumber: string,
  relationships: readonly Relationship[],
): boolean {
  if (caller.role === 'patient') return caller.nhsNumber === nhsNumber;
  // Privacy officers review access logs; they do not read records.
  if (!isStaffRole(caller.role) || caller.role === 'privacy-officer') return false;
  return relationships.some(
    (relationship) =>
      relationship.organisation === caller.organisation && relationship.endedAt === null,
  );
}

/** Categories hidden from everyone but the authoring organisation and the patient. */
export const RESTRICTED_CATEGORIES: readonly string[] = [
  ...LEGALLY_PROTECTED_CATEGORIES,
  'safeguarding',
  'patient-sealed',
];

export interface EntryVisibilityScope {
  /** The caller sees restricted entries only where their organisation wrote them. */
  restrictedVisibleToOrganisation: string | null;
  /** The patient sees all of their own entries. */
  seesAllRestricted: boolean;
}

export const visibilityScope = (caller: Caller): EntryVisibilityScope => ({
  restrictedVisibleToOrganisation: caller.role === 'patient' ? null : caller.organisation,
  seesAllRestricted: caller.role === 'patient',
});
