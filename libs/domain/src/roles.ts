/**
 * The kinds of reader that have a journal view (docs/architecture.md, "Journal views"). A token's role
 * claim is one of these, or privacy-officer, mapped from the national RBAC job-role codes.
 */
export const VIEW_ROLES = [
  'gp',
  'practice-nurse',
  'community-nurse',
  'social-worker',
  'care-worker',
  'midwife',
  'health-visitor',
  'urgent-care',
  'pharmacist',
  'patient',
  'carer',
] as const;
export type ViewRole = (typeof VIEW_ROLES)[number];

export const ROLES = [...VIEW_ROLES, 'privacy-officer'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: string): value is Role =>
  (ROLES as readonly string[]).includes(value);

/** Roles that act for an organisation (everyone but patients and carers). */
export const isStaffRole = (role: Role): boolean => role !== 'patient' && role !== 'carer';
