import type { EntryTypeName } from '../generated/entry-type-names';
import type { RecordEntryType } from '../source-domains';

/** Where an entry type belongs in a journal when it is shown in a section. */
export const SECTIONS = {
  'care-relationships': [
    'RegistrationStarted',
    'RegistrationEnded',
    'CaseOpened',
    'CaseClosed',
    'MaternityBookingRecorded',
    'CaseloadTransferredToHealthVisiting',
    'CareTeamMemberAdded',
    'CareTeamMemberRemoved',
    'RelationshipClaimed',
    'ReferralAccepted',
    'MaternityDischargeRecorded',
    // Children's records (#14): who holds parental responsibility for the child.
    'ParentalResponsibilityRecorded',
    'ParentalResponsibilityEnded',
  ],
  gp: ['ConsultationRecorded', 'ProblemRecorded', 'ReferralMade', 'LetterReceived'],
  medicines: [
    'MedicationPrescribed',
    'MedicationIssued',
    'AllergyRecorded',
    'ImmunisationRecorded',
    'MedicationChanged',
    'MedicationStopped',
    'MedicineDispensed',
    'VaccinationGiven',
  ],
  pharmacy: ['PharmacyConsultationRecorded'],
  results: ['TestResultRecorded', 'TestResultReviewed'],
  'social-care': [
    'AssessmentCompleted',
    'CarePlanChanged',
    'CareVisitRecorded',
    'SafeguardingConcernRaised',
    'ReviewCompleted',
  ],
  maternity: ['AntenatalContactRecorded', 'BirthRecorded', 'PostnatalContactRecorded'],
  'health-visiting': ['HealthVisitorReviewRecorded', 'ChildDevelopmentCheckRecorded'],
  'community-nursing': [
    'DistrictNursingVisitRecorded',
    'WoundCareRecorded',
    'ContinenceAssessmentRecorded',
    'EndOfLifeCareRecorded',
  ],
  'urgent-care': [
    'TriageOutcomeRecorded',
    'EdAttendanceRecorded',
    'AmbulanceSeeAndTreatRecorded',
    'OutOfHoursConsultationRecorded',
  ],
  'patient-contributions': [
    'HomeReadingRecorded',
    'WearableSummaryRecorded',
    'PatientNoteAdded',
    'CarerObservationRecorded',
    'HomeReadingsFlagged',
  ],
} as const satisfies Record<string, readonly EntryTypeName[]>;

export type SectionName = keyof typeof SECTIONS;
export const SECTION_NAMES = Object.keys(SECTIONS) as SectionName[];

/** The entry types the sections hold. */
export type SectionedType = (typeof SECTIONS)[SectionName][number];

/**
 * Checked when type-checking: every entry type of the record is in a section, so none hides
 * from every view (a type in none makes this `{ inNoSection: 'ThatType' }`, and `true` no
 * longer fits). journal-views.spec.ts checks the same at run time.
 */
export const EVERY_ENTRY_TYPE_SECTIONED: [Exclude<RecordEntryType, SectionedType>] extends [never]
  ? true
  : { inNoSection: Exclude<RecordEntryType, SectionedType> } = true;

export const sectionOf = (entryType: string): SectionName | undefined =>
  SECTION_NAMES.find((section) => (SECTIONS[section] as readonly string[]).includes(entryType));
