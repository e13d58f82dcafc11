import type { Role } from './roles';

/** The settings of care that publish record entries, one Kafka topic each. */
export const SOURCE_DOMAINS = ['gp', 'social-care', 'maternity', 'urgent-care', 'patient'] as const;
export type SourceDomain = (typeof SOURCE_DOMAINS)[number];

/** Relationships that give an organisation's staff a legitimate reason to read (DESIGN.md). */
export type RelationshipKind =
  | 'gp-registration'
  | 'social-care-case'
  | 'maternity-booking'
  | 'health-visiting-caseload'
  | 'care-team'
  | 'urgent-care-encounter';

export interface EntryTypeRule {
  type: string;
  /** Where the type is published; `any` for corrections, which go to the original's topic. */
  domain: SourceDomain | 'any';
  /** Roles whose profession may author this entry type. */
  authors: readonly Role[];
  /** Whether the entry starts or ends a care relationship for the organisation it names. */
  relationship?: { effect: 'starts' | 'ends'; kind: RelationshipKind; expiresAfterHours?: number };
}

export const ENTRY_TYPES: readonly EntryTypeRule[] = [
  {
    type: 'RegistrationStarted',
    domain: 'gp',
    authors: ['gp', 'practice-nurse'],
    relationship: { effect: 'starts', kind: 'gp-registration' },
  },
  { type: 'ConsultationRecorded', domain: 'gp', authors: ['gp', 'practice-nurse'] },
];

export const entryTypesOf = (domain: SourceDomain): readonly EntryTypeRule[] =>
  ENTRY_TYPES.filter((rule) => rule.domain === domain || rule.domain === 'any');

export const entryTypeRule = (type: string): EntryTypeRule | undefined =>
  ENTRY_TYPES.find((rule) => rule.type === type);
