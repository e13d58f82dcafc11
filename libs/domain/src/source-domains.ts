import type { Role } from './roles';

/** The settings of care that publish record entries, one Kafka topic each. */
export const SOURCE_DOMAINS = ['gp', 'social-care', 'maternity', 'urgent-care', 'patient'] as const;
export type SourceDomain = (typeof SOURCE_DOMAINS)[number];

export interface EntryTypeRule {
  type: string;
  domain: SourceDomain;
  /** Roles whose profession may author this entry type. */
  authors: readonly Role[];
  /** Whether the entry starts a care relationship for the authoring organisation. */
  startsRelationship?: boolean;
}

export const ENTRY_TYPES: readonly EntryTypeRule[] = [
  {
    type: 'RegistrationStarted',
    domain: 'gp',
    authors: ['gp', 'practice-nurse'],
    startsRelationship: true,
  },
  { type: 'ConsultationRecorded', domain: 'gp', authors: ['gp', 'practice-nurse'] },
];

export const entryTypesOf = (domain: SourceDomain): readonly EntryTypeRule[] =>
  ENTRY_TYPES.filter((rule) => rule.domain === domain);
