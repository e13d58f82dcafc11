import type { Role } from '@carelog/domain';

/**
 * A person calling, as the verified token says (staff from NHS CIS2, patients and carers from
 * NHS login); never taken from a request body.
 */
export interface Caller {
  kind?: 'person';
  userId: string;
  role: Role;
  profession: string;
  /** ODS code of the organisation the caller acts for. */
  organisation: string;
  /** The system the request came through (the token's authorised party). */
  system: string;
  /** Set for patients: their own NHS number (never for carers: their approval says whose record). */
  nhsNumber?: string;
  /** NHS login's identity proofing level (P0, P5, P9) for patients and carers. */
  identityProofingLevel?: string;
}

/**
 * An application-restricted caller: a source system the ICS connected, acting for one
 * organisation (docs/architecture.md, "Who is calling"). It may send only the entry types its
 * registration allows, and is never a reader of records.
 */
export interface SourceSystemCaller {
  kind: 'source-system';
  /** The client id the ICS registered for the system. */
  clientId: string;
  /** ODS code of the organisation the system serves. */
  organisation: string;
  /** Entry types the system may send. */
  entryTypes: readonly string[];
  /** The system's name, stamped as the entry's source system. */
  system: string;
}

export type AnyCaller = Caller | SourceSystemCaller;

export const isSourceSystem = (caller: AnyCaller): caller is SourceSystemCaller =>
  caller.kind === 'source-system';

/**
 * Claim names of carelog's own tokens (issued by the platform token endpoint to source
 * systems), and NHS login's NHS number. People's tokens carry no carelog claims: their role
 * comes from CIS2's national RBAC role or from NHS login.
 */
export const CLAIMS = {
  organisation: 'carelog_org',
  nhsNumber: 'nhs_number',
  entryTypes: 'carelog_entry_types',
  systemName: 'carelog_system_name',
} as const;
