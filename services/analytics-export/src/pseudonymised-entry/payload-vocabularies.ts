import { ENTRY_TYPE_NAMES } from '@carelog/codec';
import { ROLES } from '@carelog/domain';

/**
 * Payload strings kept as terms, by `<EntryType>.<field path>`: a value passes only if it is
 * exactly one of the list, so nothing else written in the field can. The lists come from the
 * schemas' own docs; a value a source writes that is not listed is dropped, not guessed at.
 * Every string field not named here is free text as far as the feed is concerned.
 */
export const CLOSED_LISTS: Readonly<Record<string, readonly string[]>> = {
  'EntryEnteredInError.entryType': ENTRY_TYPE_NAMES,
  'AllergyRecorded.severity': ['mild', 'moderate', 'severe'],
  'AllergyRecorded.certainty': ['confirmed', 'likely', 'unlikely'],
  'ConsultationRecorded.consultationMedium': ['face-to-face', 'telephone', 'video', 'online'],
  'MedicationPrescribed.prescriptionType': ['acute', 'repeat'],
  'ProblemRecorded.status': ['active', 'inactive', 'resolved'],
  'ProblemRecorded.significance': ['major', 'minor'],
  'ReferralMade.urgency': ['routine', 'urgent', 'two-week-wait'],
  'RegistrationStarted.registrationType': ['permanent', 'temporary'],
  'LetterReceived.letterType': ['discharge summary', 'clinic letter'],
  'TestResultRecorded.interpretation': ['normal', 'abnormal', 'critical'],
  'HealthVisitorReviewRecorded.reviewStage': ['new-birth', '6-8-week', '1-year', '2-2.5-year'],
  'MaternityBookingRecorded.riskLevel': ['low', 'high'],
  'MaternityBookingRecorded.leadProfessional': ['midwife', 'obstetrician'],
  'PostnatalContactRecorded.infantFeeding': ['breast', 'formula', 'mixed'],
  'CareTeamMemberAdded.role': ROLES,
  'CareTeamMemberRemoved.role': ROLES,
  'CarerObservationRecorded.concernLevel': ['none', 'low', 'high'],
  'AssessmentCompleted.assessmentType': ['care-act-needs', 'carers', 'mental-capacity'],
  'ReviewCompleted.reviewType': ['scheduled', 'unplanned'],
  'CaseOpened.caseType': ['adult', 'child'],
  'SafeguardingConcernRaised.concernType': ['neglect', 'financial', 'physical', 'self-neglect'],
  'EdAttendanceRecorded.dischargeDestination': ['home', 'admitted', 'transferred'],
  'OutOfHoursConsultationRecorded.consultationMedium': ['face-to-face', 'telephone', 'video'],
  'TriageOutcomeRecorded.service': ['111', '999'],
  'TriageOutcomeRecorded.urgency': ['emergency', 'urgent', 'routine'],
};

/** Payload strings that hold an ISO 8601 date (YYYY-MM-DD): kept as coarsened dates. */
export const DATE_STRINGS: ReadonlySet<string> = new Set([
  'ProblemRecorded.onsetDate',
  'CaseloadTransferredToHealthVisiting.transferDate',
  'MaternityBookingRecorded.estimatedDueDate',
  'MaternityDischargeRecorded.dischargeDate',
  'CarePlanChanged.effectiveFrom',
  'ReviewCompleted.nextReviewDate',
]);
