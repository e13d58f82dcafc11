import type { Role } from '@carelog/domain';

/** Who is calling, as the verified token says; never taken from a request body. */
export interface Caller {
  userId: string;
  role: Role;
  profession: string;
  /** ODS code of the organisation the caller acts for. */
  organisation: string;
  /** The system the request came through (the token's authorised party). */
  system: string;
  /** Set for patients (their own NHS number) and carers (the patient they care for). */
  nhsNumber?: string;
}

/** Token claim names, shared by the verifier and the local token minter. */
export const CLAIMS = {
  role: 'carelog_role',
  profession: 'carelog_profession',
  organisation: 'carelog_org',
  nhsNumber: 'nhs_number',
} as const;
