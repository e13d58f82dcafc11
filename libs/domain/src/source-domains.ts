import { isEntryTypeName, type EntryTypeName } from './generated/entry-type-names';
import { isStaffRole, VIEW_ROLES, type Role } from './roles';

/** The settings of care that publish record entries, one Kafka topic each. */
export const SOURCE_DOMAINS = [
  'gp',
  'social-care',
  'maternity',
  'urgent-care',
  'patient',
  'community-nursing',
  'pharmacy',
] as const;
export type SourceDomain = (typeof SOURCE_DOMAINS)[number];

/** Relationships that give an organisation's staff a legitimate reason to read (docs/architecture.md, "Legitimate relationships"). */
export type RelationshipKind =
  | 'gp-registration'
  | 'social-care-case'
  | 'maternity-booking'
  | 'health-visiting-caseload'
  | 'care-team'
  | 'referral'
  | 'urgent-care-encounter'
  /** A community pharmacy a prescription was sent to (the patient's nomination): until it expires. */
  | 'prescription-nomination'
  /** A walk-in pharmacy service (Pharmacy First, a vaccination): time-limited, like an encounter. */
  | 'pharmacy-encounter'
  /** A person's claim with a reason (docs/architecture.md, "Legitimate relationships", way 3): time-limited by the payload's `expiresAt`. */
  | 'claim';

/**
 * The family's caseload (docs/architecture.md, "Children"): a baby born while its mother's maternity
 * service or health visiting team cares for her is in their care too. A birth gives the
 * baby's own record the mother's active relationships of the `inheritedAtBirth` kinds; a
 * later start of a `startsForChildrenUnder` kind for the mother (a caseload transfer to health
 * visiting) starts it for her recorded children younger than the age given (health visiting
 * serves children under 5); and an end of any of these kinds for the mother (a maternity
 * discharge, with its grace) ends it for her children too.
 */
export const FAMILY_CASELOAD: {
  inheritedAtBirth: readonly RelationshipKind[];
  startsForChildrenUnder: Partial<Record<RelationshipKind, number>>;
} = {
  inheritedAtBirth: ['maternity-booking', 'health-visiting-caseload'],
  startsForChildrenUnder: { 'health-visiting-caseload': 5 },
};

/**
 * How a relationship may start (docs/architecture.md, "Legitimate relationships"): `authoritative` only
 * from a source system of that organisation registered for the type; `hand-over` only by an
 * organisation that already holds an active relationship (of `fromKind`, when given) naming the
 * receiving organisation. Person claims are the third way, recorded through their own route.
 */
export type RelationshipProvenance =
  | { way: 'authoritative' }
  | { way: 'hand-over'; fromKind?: RelationshipKind }
  /** The receiver accepting a hand-over named to it (a referral): the receiver gains. */
  | { way: 'acceptance' }
  /**
   * A person's claim for their own organisation (way 3), with a stated reason and an expiry;
   * recorded only by the record API's claim route, which also audits and alerts it.
   */
  | { way: 'claim' };

export interface EntryTypeRule {
  /** A type with a schema in schemas/: a misspelt or unknown one fails type-checking. */
  type: EntryTypeName;
  /** Where the type is published; `any` for corrections, which go to the original's topic. */
  domain: SourceDomain | 'any';
  /** Roles whose profession may author this entry type. */
  authors: readonly Role[];
  /**
   * Whether the entry starts or ends a care relationship: for the organisation that recorded
   * it, or the one named by the payload field `organisationField`.
   */
  /**
   * A hand-over that starts nothing yet but lets the organisation it names start one (a
   * referral, pending until accepted): made only by an organisation holding a relationship
   * besides a claim, as every hand-over is.
   */
  pendingHandOver?: true;
  relationship?: {
    effect: 'starts' | 'ends';
    kind: RelationshipKind;
    expiresAfterHours?: number;
    organisationField?: string;
    /** For starts: the only way this start may be made. */
    provenance?: RelationshipProvenance;
    /** For ends: the relationship ends after the configured grace period, not at once. */
    afterGrace?: true;
  };
  /**
   * Recorded on a child's own record (one a recorded birth created), never on the mother's:
   * otherwise 422 `child-record-required`.
   */
  childRecord?: true;
  /**
   * Only staff of an organisation holding one of these relationships (active, not a claim)
   * may record it: otherwise 403 `relationship-kind-required`.
   */
  recordedUnder?: readonly RelationshipKind[];
}

const PRACTICE = ['gp', 'practice-nurse'] as const;
const SOCIAL = ['social-worker', 'care-worker'] as const;
/** Every role with a journal view that acts for an organisation (and so can witness harm). */
const STAFF: readonly Role[] = VIEW_ROLES.filter(isStaffRole);
const AUTHORITATIVE = { way: 'authoritative' } as const;
const encounter = {
  effect: 'starts',
  kind: 'urgent-care-encounter',
  expiresAfterHours: 72,
  provenance: AUTHORITATIVE,
} as const;

/**
 * How a community pharmacy comes to hold a relationship (docs/architecture.md, "Legitimate relationships"):
 * - dispensing: the practice sends a prescription to the pharmacy the patient nominated
 *   (MedicationIssued naming `nominatedPharmacy`). That is a hand-over by a holder naming the
 *   receiver (way 2); it lasts as long as a prescription is valid, six months from issue
 *   (Human Medicines Regulations 2012, reg. 219), and it starts nothing when no pharmacy is named;
 * - a walk-in service (a Pharmacy First consultation, a vaccination) has no one to hand over: the
 *   pharmacy's own clinical-services system starts a time-limited relationship (way 1), as an
 *   urgent-care encounter does.
 * A pharmacist with neither, e.g. asked to dispense for a patient whose prescription went
 * elsewhere, is refused (`care-relationship-required`): MedicineDispensed starts nothing.
 */
const PRESCRIPTION_VALID_HOURS = 183 * 24;
const pharmacyEncounter = {
  effect: 'starts',
  kind: 'pharmacy-encounter',
  expiresAfterHours: 72,
  provenance: AUTHORITATIVE,
} as const;

/** Who may record what (docs/architecture.md, "Event contract"); every type here has a schema in schemas/. */
export const ENTRY_TYPES: readonly EntryTypeRule[] = [
  {
    type: 'RegistrationStarted',
    domain: 'gp',
    authors: PRACTICE,
    relationship: { effect: 'starts', kind: 'gp-registration', provenance: AUTHORITATIVE },
  },
  {
    type: 'RegistrationEnded',
    domain: 'gp',
    authors: PRACTICE,
    relationship: { effect: 'ends', kind: 'gp-registration' },
  },
  { type: 'ConsultationRecorded', domain: 'gp', authors: PRACTICE },
  { type: 'ProblemRecorded', domain: 'gp', authors: PRACTICE },
  { type: 'MedicationPrescribed', domain: 'gp', authors: PRACTICE },
  {
    type: 'MedicationIssued',
    domain: 'gp',
    authors: [...PRACTICE, 'pharmacist'],
    relationship: {
      effect: 'starts',
      kind: 'prescription-nomination',
      organisationField: 'nominatedPharmacy',
      expiresAfterHours: PRESCRIPTION_VALID_HOURS,
      provenance: { way: 'hand-over' },
    },
  },
  { type: 'MedicationChanged', domain: 'gp', authors: PRACTICE },
  { type: 'MedicationStopped', domain: 'gp', authors: PRACTICE },
  { type: 'AllergyRecorded', domain: 'gp', authors: [...PRACTICE, 'pharmacist'] },
  { type: 'ImmunisationRecorded', domain: 'gp', authors: [...PRACTICE, 'pharmacist'] },
  { type: 'TestResultRecorded', domain: 'gp', authors: PRACTICE },
  // Releases a held result to the patient (results release policy, journal/result-release.ts).
  { type: 'TestResultReviewed', domain: 'gp', authors: PRACTICE },
  { type: 'ReferralMade', domain: 'gp', authors: PRACTICE, pendingHandOver: true },
  { type: 'LetterReceived', domain: 'gp', authors: PRACTICE },
  {
    type: 'CaseOpened',
    domain: 'social-care',
    authors: ['social-worker'],
    relationship: { effect: 'starts', kind: 'social-care-case', provenance: AUTHORITATIVE },
  },
  {
    type: 'CaseClosed',
    domain: 'social-care',
    authors: ['social-worker'],
    relationship: { effect: 'ends', kind: 'social-care-case' },
  },
  { type: 'AssessmentCompleted', domain: 'social-care', authors: ['social-worker'] },
  { type: 'CarePlanChanged', domain: 'social-care', authors: ['social-worker'] },
  { type: 'CareVisitRecorded', domain: 'social-care', authors: SOCIAL },
  { type: 'SafeguardingConcernRaised', domain: 'social-care', authors: STAFF },
  { type: 'ReviewCompleted', domain: 'social-care', authors: ['social-worker'] },
  {
    type: 'MaternityBookingRecorded',
    domain: 'maternity',
    authors: ['midwife'],
    relationship: { effect: 'starts', kind: 'maternity-booking', provenance: AUTHORITATIVE },
  },
  {
    type: 'CaseloadTransferredToHealthVisiting',
    domain: 'maternity',
    authors: ['midwife'],
    relationship: {
      effect: 'starts',
      kind: 'health-visiting-caseload',
      organisationField: 'healthVisitingOrganisation',
      provenance: { way: 'hand-over', fromKind: 'maternity-booking' },
    },
  },
  {
    type: 'MaternityDischargeRecorded',
    domain: 'maternity',
    authors: ['midwife'],
    relationship: { effect: 'ends', kind: 'maternity-booking', afterGrace: true },
  },
  { type: 'AntenatalContactRecorded', domain: 'maternity', authors: ['midwife'] },
  { type: 'BirthRecorded', domain: 'maternity', authors: ['midwife'] },
  { type: 'PostnatalContactRecorded', domain: 'maternity', authors: ['midwife', 'health-visitor'] },
  {
    type: 'HealthVisitorReviewRecorded',
    domain: 'maternity',
    authors: ['health-visitor'],
    childRecord: true,
  },
  {
    type: 'ChildDevelopmentCheckRecorded',
    domain: 'maternity',
    authors: ['health-visitor'],
    childRecord: true,
  },
  {
    type: 'TriageOutcomeRecorded',
    domain: 'urgent-care',
    authors: ['urgent-care'],
    relationship: encounter,
  },
  {
    type: 'EdAttendanceRecorded',
    domain: 'urgent-care',
    authors: ['urgent-care'],
    relationship: encounter,
  },
  {
    type: 'AmbulanceSeeAndTreatRecorded',
    domain: 'urgent-care',
    authors: ['urgent-care'],
    relationship: encounter,
  },
  {
    type: 'OutOfHoursConsultationRecorded',
    domain: 'urgent-care',
    authors: ['urgent-care', 'gp'],
    relationship: encounter,
  },
  // District nurses join a patient's care only by a hand-over (care team, accepted referral).
  {
    type: 'DistrictNursingVisitRecorded',
    domain: 'community-nursing',
    authors: ['community-nurse'],
  },
  { type: 'WoundCareRecorded', domain: 'community-nursing', authors: ['community-nurse'] },
  {
    type: 'ContinenceAssessmentRecorded',
    domain: 'community-nursing',
    authors: ['community-nurse'],
  },
  { type: 'EndOfLifeCareRecorded', domain: 'community-nursing', authors: ['community-nurse'] },
  {
    type: 'PharmacyConsultationRecorded',
    domain: 'pharmacy',
    authors: ['pharmacist'],
    relationship: pharmacyEncounter,
  },
  { type: 'MedicineDispensed', domain: 'pharmacy', authors: ['pharmacist'] },
  {
    type: 'VaccinationGiven',
    domain: 'pharmacy',
    authors: ['pharmacist'],
    relationship: pharmacyEncounter,
  },
  { type: 'HomeReadingRecorded', domain: 'patient', authors: ['patient'] },
  // Written only by the record API's home-reading rules (author role `system`), never through an entries endpoint.
  { type: 'HomeReadingsFlagged', domain: 'patient', authors: [] },
  { type: 'WearableSummaryRecorded', domain: 'patient', authors: ['patient'] },
  { type: 'PatientNoteAdded', domain: 'patient', authors: ['patient'] },
  { type: 'CarerObservationRecorded', domain: 'patient', authors: ['carer'] },
  { type: 'OptOutRecorded', domain: 'patient', authors: ['patient'] },
  { type: 'OptOutWithdrawn', domain: 'patient', authors: ['patient'] },
  { type: 'EntrySealed', domain: 'patient', authors: ['patient'] },
  { type: 'EntryUnsealed', domain: 'patient', authors: ['patient'] },
  { type: 'CarerApproved', domain: 'patient', authors: ['patient'] },
  { type: 'CarerRevoked', domain: 'patient', authors: ['patient'] },
  // Care-team changes and referral acceptances are recorded through the record API's routes.
  {
    type: 'CareTeamMemberAdded',
    domain: 'patient',
    authors: STAFF,
    relationship: {
      effect: 'starts',
      kind: 'care-team',
      organisationField: 'organisation',
      provenance: { way: 'hand-over' },
    },
  },
  {
    type: 'CareTeamMemberRemoved',
    domain: 'patient',
    authors: STAFF,
    relationship: { effect: 'ends', kind: 'care-team', organisationField: 'organisation' },
  },
  {
    // Published only by the record API's claim route (reason required, audited, alerted); no
    // producer service takes the patient domain's types at its entries route.
    type: 'RelationshipClaimed',
    domain: 'patient',
    authors: STAFF,
    relationship: {
      effect: 'starts',
      kind: 'claim',
      organisationField: 'organisation',
      provenance: { way: 'claim' },
    },
  },
  {
    type: 'ReferralAccepted',
    domain: 'patient',
    authors: STAFF,
    relationship: { effect: 'starts', kind: 'referral', provenance: { way: 'acceptance' } },
  },
  {
    type: 'SensitiveInformationShared',
    domain: 'patient',
    authors: ['patient'],
  },
  // Parental responsibility for a child (the birth mother's comes with the birth): recorded on
  // the child's record through the record API's route by the GP practice or the council.
  {
    type: 'ParentalResponsibilityRecorded',
    domain: 'patient',
    authors: ['gp', 'practice-nurse', 'social-worker'],
    recordedUnder: ['gp-registration', 'social-care-case'],
  },
  {
    type: 'ParentalResponsibilityEnded',
    domain: 'patient',
    authors: ['gp', 'practice-nurse', 'social-worker'],
    recordedUnder: ['gp-registration', 'social-care-case'],
  },
  // The child's own decision (from the policy's age) whether a parent may read their record.
  { type: 'ParentalAccessDecided', domain: 'patient', authors: ['patient'] },
  { type: 'EntryEnteredInError', domain: 'any', authors: [...STAFF, 'patient', 'carer'] },
  // Acknowledged by staff the task is addressed to (checked by the record API against the task).
  { type: 'AttentionAcknowledged', domain: 'any', authors: STAFF },
  // Written only by the record API's task escalator, never through an entries endpoint.
  { type: 'AttentionEscalated', domain: 'any', authors: [] },
];

/** A patient's consent decision: read-model state for the access rules, not a journal entry. */
export const CONSENT_DECISION_TYPES = [
  'OptOutRecorded',
  'OptOutWithdrawn',
  'EntrySealed',
  'EntryUnsealed',
  'CarerApproved',
  'CarerRevoked',
  'ParentalAccessDecided',
  'SensitiveInformationShared',
] as const satisfies readonly EntryTypeName[];
export type ConsentDecisionType = (typeof CONSENT_DECISION_TYPES)[number];

/**
 * A step of an attention task (acknowledged, escalated): published on the flagged entry's own
 * topic, read-model state for the task list, not a journal entry.
 */
export const TASK_STEP_TYPES = [
  'AttentionAcknowledged',
  'AttentionEscalated',
] as const satisfies readonly EntryTypeName[];
export type TaskStepType = (typeof TASK_STEP_TYPES)[number];

/** A correction: takes the entry it names out of the record. */
export type CorrectionType = 'EntryEnteredInError';

/** Types that are state (consents, task steps, corrections) rather than entries of the record. */
export type StateEntryType = ConsentDecisionType | TaskStepType | CorrectionType;
/** The state types: left out wherever the record's entries are listed. */
export const STATE_ENTRY_TYPES: readonly StateEntryType[] = [
  ...CONSENT_DECISION_TYPES,
  ...TASK_STEP_TYPES,
  'EntryEnteredInError',
];
/** The types that are entries of the record: each belongs to a journal section (journal-sections.ts). */
export type RecordEntryType = Exclude<EntryTypeName, StateEntryType>;

export const isConsentDecisionType = (type: string): type is ConsentDecisionType =>
  (CONSENT_DECISION_TYPES as readonly string[]).includes(type);
export const isTaskStepType = (type: string): type is TaskStepType =>
  (TASK_STEP_TYPES as readonly string[]).includes(type);

export const isRecordEntryType = (type: string): type is RecordEntryType =>
  isEntryTypeName(type) && !(STATE_ENTRY_TYPES as readonly string[]).includes(type);

/**
 * An entry type read back from the read model, which holds only types the projection decoded,
 * each with a schema: any other name means the store was not written by carelog's projection.
 */
export function entryTypeNamed(value: string): EntryTypeName {
  if (!isEntryTypeName(value)) throw new Error('the read model holds an entry type with no schema');
  return value;
}

/** The types a domain's producer accepts at POST /v1/entries (corrections have their own route). */
export const entryTypesOf = (domain: SourceDomain): readonly EntryTypeRule[] =>
  ENTRY_TYPES.filter((rule) => rule.domain === domain);

export const entryTypeRule = (type: string): EntryTypeRule | undefined =>
  ENTRY_TYPES.find((rule) => rule.type === type);
