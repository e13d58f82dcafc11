import type { EntryTypeName } from '../generated/entry-type-names';
import { SECTION_NAMES } from '../journal/journal-sections';
import { ROLES } from '../roles';

/**
 * Closed vocabularies of payload fields, by `<EntryType>.<field>`: the lists each schema's
 * doc gives as the whole set ("normal, abnormal or critical"). A schema change from string to
 * enum would not be FULL_TRANSITIVE compatible, so the list is declared here, once, and the
 * producers accept a value only if it is one of them: written in another case or with spaces
 * around it, it is stored as the listed term; anything else is refused (`unknown-term`).
 */
const VOCABULARIES = {
  'AllergyRecorded.severity': ['mild', 'moderate', 'severe'],
  'AllergyRecorded.certainty': ['confirmed', 'likely', 'unlikely'],
  'ConsultationRecorded.consultationMedium': ['face-to-face', 'telephone', 'video', 'online'],
  'MedicationPrescribed.prescriptionType': ['acute', 'repeat'],
  'ProblemRecorded.status': ['active', 'inactive', 'resolved'],
  'ProblemRecorded.significance': ['major', 'minor'],
  // Children's records (#14).
  'BirthRecorded.sexAtBirth': ['male', 'female', 'indeterminate'],
  'ParentalResponsibilityRecorded.relationshipToChild': [
    'mother',
    'father',
    'second-female-parent',
    'adoptive-parent',
    'step-parent',
    'special-guardian',
    'other',
  ],
  'ParentalResponsibilityRecorded.basis': [
    'birth-registration',
    'marriage-or-civil-partnership',
    'parental-responsibility-agreement',
    'court-order',
    'adoption-order',
    'special-guardianship-order',
  ],
  'ParentalAccessDecided.decision': ['allowed', 'refused'],
  'ReferralMade.urgency': ['routine', 'urgent', 'two-week-wait'],
  'TestResultRecorded.interpretation': ['normal', 'abnormal', 'critical'],
  'TestResultReviewed.outcome': ['no-action', 'discussed-with-patient', 'follow-up-arranged'],
  'HomeReadingsFlagged.rule': ['home-bp-run-average', 'home-bp-severe-reading'],
  'HomeReadingsFlagged.urgency': ['routine', 'urgent'],
  'HealthVisitorReviewRecorded.reviewStage': ['new-birth', '6-8-week', '1-year', '2-2.5-year'],
  'MaternityBookingRecorded.riskLevel': ['low', 'high'],
  'MaternityBookingRecorded.leadProfessional': ['midwife', 'obstetrician'],
  'CareTeamMemberAdded.role': ROLES,
  'CareTeamMemberRemoved.role': ROLES,
  // A carer sees only the journal sections the patient named: a name that is no section gives
  // them nothing, so it is refused rather than recorded (#19).
  'CarerApproved.scope': SECTION_NAMES,
  'CarerObservationRecorded.concernLevel': ['none', 'low', 'high'],
  'CaseOpened.caseType': ['adult', 'child'],
  'OutOfHoursConsultationRecorded.consultationMedium': ['face-to-face', 'telephone', 'video'],
  'TriageOutcomeRecorded.service': ['111', '999'],
  'OptOutRecorded.optOutType': ['national-data-opt-out', 'type-1', 'record-sharing'],
  'OptOutWithdrawn.optOutType': ['national-data-opt-out', 'type-1', 'record-sharing'],
  'EntrySealed.sealedFrom.kind': ['role', 'organisation', 'person'],
  'EntryUnsealed.sealedFrom.kind': ['role', 'organisation', 'person'],
  'DistrictNursingVisitRecorded.visitType': ['planned', 'unplanned', 'first-assessment', 'review'],
  'WoundCareRecorded.progress': ['improving', 'no-change', 'deteriorating', 'healed'],
  'ContinenceAssessmentRecorded.bladder': [
    'continent',
    'stress',
    'urge',
    'mixed',
    'overflow',
    'functional',
    'catheterised',
  ],
  'ContinenceAssessmentRecorded.bowel': ['continent', 'incontinent', 'constipated', 'stoma'],
  'EndOfLifeCareRecorded.preferredPlaceOfDeath': [
    'home',
    'care-home',
    'hospice',
    'hospital',
    'undecided',
  ],
  'EndOfLifeCareRecorded.resuscitationStatus': ['dnacpr-in-place', 'for-cpr', 'not-discussed'],
  // Community pharmacy: the seven Pharmacy First clinical pathways (NHS England, 2024).
  'PharmacyConsultationRecorded.condition': [
    'acute-otitis-media',
    'impetigo',
    'infected-insect-bite',
    'shingles',
    'sinusitis',
    'sore-throat',
    'uncomplicated-uti',
  ],
  'PharmacyConsultationRecorded.outcome': ['advice-only', 'medicine-supplied', 'referred'],
  'PharmacyConsultationRecorded.referral.to': [
    'gp-practice',
    'urgent-care',
    'emergency-department',
  ],
  'VaccinationGiven.programme': ['seasonal-influenza', 'covid-19', 'rsv', 'pneumococcal', 'travel'],
} satisfies Record<`${EntryTypeName}.${string}`, readonly string[]>;
/** Looked up by any field key; declared above against the schemas' entry-type names. */
export const PAYLOAD_VOCABULARIES: Readonly<Record<string, readonly string[]>> = VOCABULARIES;

/**
 * Lists of vocabulary terms that must name at least one, by `<EntryType>.<payload field>`: an
 * empty carer scope approves a carer to see nothing, which is never what a patient means.
 */
export const NON_EMPTY_LISTS: ReadonlyArray<`${EntryTypeName}.${string}`> = ['CarerApproved.scope'];

/** The listed term a value spells, ignoring case, compatibility forms and surrounding spaces. */
export function canonicalTerm(list: readonly string[], value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const folded = value.normalize('NFKC').trim().toLowerCase();
  return list.find((term) => term.toLowerCase() === folded);
}

/**
 * Whether a result must always be shown: anything but a result that is plainly normal. An
 * interpretation written before the vocabulary was enforced ("Abnormal", "H", "high") is
 * shown rather than buried.
 */
export function isAbnormalInterpretation(value: unknown): boolean {
  const list = PAYLOAD_VOCABULARIES['TestResultRecorded.interpretation'] ?? [];
  return canonicalTerm(list, value) !== 'normal';
}
