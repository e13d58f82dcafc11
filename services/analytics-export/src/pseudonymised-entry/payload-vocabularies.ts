import { ENTRY_TYPE_NAMES, type EntryTypeName } from '@carelog/codec';
import { PAYLOAD_VOCABULARIES } from '@carelog/domain';

/** Open vocabularies ("e.g." in the schema's doc), of which the feed keeps only these terms. */
const FEED_VOCABULARIES = {
  'EntryEnteredInError.entryType': ENTRY_TYPE_NAMES,
  'RegistrationStarted.registrationType': ['permanent', 'temporary'],
  'LetterReceived.letterType': ['discharge summary', 'clinic letter'],
  'PostnatalContactRecorded.infantFeeding': ['breast', 'formula', 'mixed'],
  'AssessmentCompleted.assessmentType': ['care-act-needs', 'carers', 'mental-capacity'],
  'ReviewCompleted.reviewType': ['scheduled', 'unplanned'],
  'SafeguardingConcernRaised.concernType': ['neglect', 'financial', 'physical', 'self-neglect'],
  'EdAttendanceRecorded.dischargeDestination': ['home', 'admitted', 'transferred'],
  'TriageOutcomeRecorded.urgency': ['emergency', 'urgent', 'routine'],
} satisfies Record<`${EntryTypeName}.${string}`, readonly string[]>;
/**
 * Payload strings kept as terms, by `<EntryType>.<field path>`: a value passes only if it is
 * exactly one of the list, so nothing else written in the field can. The lists come from the
 * schemas' own docs; a value a source writes that is not listed is dropped, not guessed at.
 * Every string field not named here is free text as far as the feed is concerned.
 */
export const CLOSED_LISTS: Readonly<Record<string, readonly string[]>> = {
  // The closed vocabularies the producers enforce (declared once, in libs/domain) ...
  ...PAYLOAD_VOCABULARIES,
  // ... and the open ones above.
  ...FEED_VOCABULARIES,
};

/** Payload strings that hold an ISO 8601 date (YYYY-MM-DD): kept as coarsened dates. */
export const DATE_STRINGS: ReadonlySet<string> = new Set<`${EntryTypeName}.${string}`>([
  'ProblemRecorded.onsetDate',
  'CaseloadTransferredToHealthVisiting.transferDate',
  'MaternityBookingRecorded.estimatedDueDate',
  'MaternityDischargeRecorded.dischargeDate',
  'CarePlanChanged.effectiveFrom',
  'ReviewCompleted.nextReviewDate',
  'DistrictNursingVisitRecorded.nextVisitDue',
  'WoundCareRecorded.nextDressingDue',
]);
