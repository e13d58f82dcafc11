// Generated from schemas/ by `npm run schemas:generate`. Do not edit: change the schema.
// `npm run schemas:check` fails when this file and the schemas disagree.

import type { EntryTypeName } from '@carelog/domain';

export { ENTRY_TYPE_NAMES, type EntryTypeName } from '@carelog/domain';

export type AllergyRecordedEvent = {
  eventId: string;
  type: 'AllergyRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AllergyRecordedPayload;
};

export type AllergyRecordedPayload = {
  substance: Coded;
  reaction: null | Coded;
  severity: string;
  certainty: string;
  narrative: null | string;
};

export type AmbulanceSeeAndTreatRecordedEvent = {
  eventId: string;
  type: 'AmbulanceSeeAndTreatRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AmbulanceSeeAndTreatRecordedPayload;
};

export type AmbulanceSeeAndTreatRecordedPayload = {
  incidentTime: Date;
  presentingComplaint: string;
  treatmentGiven: string;
  conveyed: boolean;
  narrative: string;
};

export type AntenatalContactRecordedEvent = {
  eventId: string;
  type: 'AntenatalContactRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AntenatalContactRecordedPayload;
};

export type AntenatalContactRecordedPayload = {
  gestationWeeks: number;
  bloodPressureSystolic: null | number;
  bloodPressureDiastolic: null | number;
  fetalHeartRate: null | number;
  narrative: string;
};

export type AnticipatoryMedicine = {
  medicine: null | Coded;
  name: string;
  dose: string;
  indication: string;
};

export type AssessmentCompletedEvent = {
  eventId: string;
  type: 'AssessmentCompleted';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AssessmentCompletedPayload;
};

export type AssessmentCompletedPayload = {
  assessmentType: string;
  outcome: string;
  eligibleNeeds: Array<string>;
  narrative: string;
};

export type Attention = {
  role: string;
  organisation: string;
  reason: null | string;
};

export type AttentionAcknowledgedEvent = {
  eventId: string;
  type: 'AttentionAcknowledged';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AttentionAcknowledgedPayload;
};

export type AttentionAcknowledgedPayload = {
  entryEventId: string;
  entryType: string;
  note: null | string;
};

export type AttentionEscalatedEvent = {
  eventId: string;
  type: 'AttentionEscalated';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: AttentionEscalatedPayload;
};

export type AttentionEscalatedPayload = {
  entryEventId: string;
  entryType: string;
  level: number;
  unacknowledgedSeconds: number;
  escalatedTo: EscalationRecipient;
};

export type Author = {
  userId: string;
  role: string;
  profession: string;
  organisation: string;
};

export type BirthRecordedEvent = {
  eventId: string;
  type: 'BirthRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: BirthRecordedPayload;
};

export type BirthRecordedPayload = {
  birthTime: Date;
  deliveryMethod: Coded;
  babyNhsNumber: null | string;
  birthWeightGrams: number;
  gestationWeeks: number;
};

export type CarePlanChangedEvent = {
  eventId: string;
  type: 'CarePlanChanged';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CarePlanChangedPayload;
};

export type CarePlanChangedPayload = {
  summaryOfChange: string;
  visitsPerWeek: null | number;
  effectiveFrom: string;
  planItems: Array<string>;
};

export type CarerApprovedEvent = {
  eventId: string;
  type: 'CarerApproved';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CarerApprovedPayload;
};

export type CarerApprovedPayload = {
  carerUserId: string;
  carerName: string;
  relationshipToPatient: string;
  scope: Array<string>;
  notifyOnCarePlanChange: boolean;
};

export type CarerObservationRecordedEvent = {
  eventId: string;
  type: 'CarerObservationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CarerObservationRecordedPayload;
};

export type CarerObservationRecordedPayload = {
  carerUserId: string;
  observation: string;
  concernLevel: string;
};

export type CarerRevokedEvent = {
  eventId: string;
  type: 'CarerRevoked';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CarerRevokedPayload;
};

export type CarerRevokedPayload = {
  carerUserId: string;
  reason: null | string;
};

export type CareTeamMemberAddedEvent = {
  eventId: string;
  type: 'CareTeamMemberAdded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CareTeamMemberAddedPayload;
};

export type CareTeamMemberAddedPayload = {
  organisation: string;
  role: string;
  team: null | string;
  reason: string;
};

export type CareTeamMemberRemovedEvent = {
  eventId: string;
  type: 'CareTeamMemberRemoved';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CareTeamMemberRemovedPayload;
};

export type CareTeamMemberRemovedPayload = {
  organisation: string;
  role: string;
  reason: null | string;
};

export type CareVisitRecordedEvent = {
  eventId: string;
  type: 'CareVisitRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CareVisitRecordedPayload;
};

export type CareVisitRecordedPayload = {
  visitStart: Date;
  visitEnd: Date;
  tasksCompleted: Array<string>;
  note: string;
  concernsRaised: boolean;
};

export type CaseClosedEvent = {
  eventId: string;
  type: 'CaseClosed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CaseClosedPayload;
};

export type CaseClosedPayload = {
  reason: string;
};

export type CaseloadTransferredToHealthVisitingEvent = {
  eventId: string;
  type: 'CaseloadTransferredToHealthVisiting';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CaseloadTransferredToHealthVisitingPayload;
};

export type CaseloadTransferredToHealthVisitingPayload = {
  healthVisitingOrganisation: string;
  transferDate: string;
  childNhsNumber: null | string;
};

export type CaseOpenedEvent = {
  eventId: string;
  type: 'CaseOpened';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: CaseOpenedPayload;
};

export type CaseOpenedPayload = {
  reason: string;
  caseType: string;
  allocatedTeam: null | string;
};

export type ChildDevelopmentCheckRecordedEvent = {
  eventId: string;
  type: 'ChildDevelopmentCheckRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ChildDevelopmentCheckRecordedPayload;
};

export type ChildDevelopmentCheckRecordedPayload = {
  childNhsNumber: null | string;
  ageMonths: number;
  scores: Array<DomainScore>;
  outcome: string;
};

export type Coded = {
  system: string;
  code: string;
  display: string;
};

export type ConsultationRecordedEvent = {
  eventId: string;
  type: 'ConsultationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ConsultationRecordedPayload;
};

export type ConsultationRecordedPayload = {
  narrative: string;
  codedItems: Array<Coded>;
  consultationMedium: null | string;
};

export type ContinenceAssessmentRecordedEvent = {
  eventId: string;
  type: 'ContinenceAssessmentRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ContinenceAssessmentRecordedPayload;
};

export type ContinenceAssessmentRecordedPayload = {
  bladder: string;
  bowel: string;
  finding: null | Coded;
  productsSupplied: Array<string>;
  plan: string;
  note: string;
};

export type DistrictNursingVisitRecordedEvent = {
  eventId: string;
  type: 'DistrictNursingVisitRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: DistrictNursingVisitRecordedPayload;
};

export type DistrictNursingVisitRecordedPayload = {
  visitStart: Date;
  visitEnd: Date;
  visitType: string;
  interventions: Array<string>;
  note: string;
  nextVisitDue: null | string;
};

export type DomainScore = {
  domain: string;
  score: number;
};

export type EdAttendanceRecordedEvent = {
  eventId: string;
  type: 'EdAttendanceRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: EdAttendanceRecordedPayload;
};

export type EdAttendanceRecordedPayload = {
  arrivalTime: Date;
  departureTime: null | Date;
  chiefComplaint: null | Coded;
  diagnosis: null | Coded;
  dischargeDestination: string;
  narrative: string;
};

export type EndOfLifeCareRecordedEvent = {
  eventId: string;
  type: 'EndOfLifeCareRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: EndOfLifeCareRecordedPayload;
};

export type EndOfLifeCareRecordedPayload = {
  anticipatoryMedicines: Array<AnticipatoryMedicine>;
  preferredPlaceOfDeath: null | string;
  resuscitationStatus: string;
  respectFormCompleted: boolean;
  note: string;
};

export type EntryEnteredInErrorEvent = {
  eventId: string;
  type: 'EntryEnteredInError';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: EntryEnteredInErrorPayload;
};

export type EntryEnteredInErrorPayload = {
  entryEventId: string;
  entryType: string;
  reason: string;
};

export type EntrySealedEvent = {
  eventId: string;
  type: 'EntrySealed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: EntrySealedPayload;
};

export type EntrySealedPayload = {
  entryEventId: string;
  sealedFrom: SealedFrom;
};

export type EntryUnsealedEvent = {
  eventId: string;
  type: 'EntryUnsealed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: EntryUnsealedPayload;
};

export type EntryUnsealedPayload = {
  entryEventId: string;
  sealedFrom: SealedFrom;
};

export type EscalationRecipient = {
  role: string;
  organisation: string;
};

export type HealthVisitorReviewRecordedEvent = {
  eventId: string;
  type: 'HealthVisitorReviewRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: HealthVisitorReviewRecordedPayload;
};

export type HealthVisitorReviewRecordedPayload = {
  reviewStage: string;
  childNhsNumber: null | string;
  narrative: string;
  concerns: Array<string>;
};

export type HomeReadingRecordedEvent = {
  eventId: string;
  type: 'HomeReadingRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: HomeReadingRecordedPayload;
};

export type HomeReadingRecordedPayload = {
  measurement: Coded;
  readings: Array<NamedValue>;
  deviceName: null | string;
};

export type ImmunisationRecordedEvent = {
  eventId: string;
  type: 'ImmunisationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ImmunisationRecordedPayload;
};

export type ImmunisationRecordedPayload = {
  vaccine: Coded;
  doseNumber: null | number;
  batchNumber: null | string;
  site: null | string;
};

export type LetterReceivedEvent = {
  eventId: string;
  type: 'LetterReceived';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: LetterReceivedPayload;
};

export type LetterReceivedPayload = {
  fromOrganisation: string;
  letterType: string;
  summary: string;
};

export type MaternityBookingRecordedEvent = {
  eventId: string;
  type: 'MaternityBookingRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MaternityBookingRecordedPayload;
};

export type MaternityBookingRecordedPayload = {
  estimatedDueDate: string;
  gravida: number;
  parity: number;
  riskLevel: string;
  leadProfessional: string;
};

export type MaternityDischargeRecordedEvent = {
  eventId: string;
  type: 'MaternityDischargeRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MaternityDischargeRecordedPayload;
};

export type MaternityDischargeRecordedPayload = {
  dischargeDate: string;
  summary: null | string;
};

export type MedicationChangedEvent = {
  eventId: string;
  type: 'MedicationChanged';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MedicationChangedPayload;
};

export type MedicationChangedPayload = {
  medicationId: string;
  medication: Coded;
  dosageInstructions: string;
  previousDosageInstructions: null | string;
  reason: null | string;
};

export type MedicationIssuedEvent = {
  eventId: string;
  type: 'MedicationIssued';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MedicationIssuedPayload;
};

export type MedicationIssuedPayload = {
  medication: Coded;
  quantity: string;
  issueNumber: number;
  prescriptionEventId: null | string;
  medicationId: null | string;
  nominatedPharmacy: null | string;
};

export type MedicationPrescribedEvent = {
  eventId: string;
  type: 'MedicationPrescribed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MedicationPrescribedPayload;
};

export type MedicationPrescribedPayload = {
  medication: Coded;
  dosageInstructions: string;
  quantity: string;
  prescriptionType: string;
  indication: null | string;
  medicationId: null | string;
};

export type MedicationStoppedEvent = {
  eventId: string;
  type: 'MedicationStopped';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MedicationStoppedPayload;
};

export type MedicationStoppedPayload = {
  medicationId: string;
  medication: Coded;
  reason: string;
};

export type MedicineDispensedEvent = {
  eventId: string;
  type: 'MedicineDispensed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: MedicineDispensedPayload;
};

export type MedicineDispensedPayload = {
  medication: Coded;
  quantity: string;
  prescriptionEventId: null | string;
  medicationId: null | string;
  epsPrescriptionId: null | string;
};

export type NamedValue = {
  name: string;
  value: number;
  unit: string;
};

export type OptOutRecordedEvent = {
  eventId: string;
  type: 'OptOutRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: OptOutRecordedPayload;
};

export type OptOutRecordedPayload = {
  optOutType: string;
  effective: boolean;
};

export type OptOutWithdrawnEvent = {
  eventId: string;
  type: 'OptOutWithdrawn';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: OptOutWithdrawnPayload;
};

export type OptOutWithdrawnPayload = {
  optOutType: string;
};

export type OutOfHoursConsultationRecordedEvent = {
  eventId: string;
  type: 'OutOfHoursConsultationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: OutOfHoursConsultationRecordedPayload;
};

export type OutOfHoursConsultationRecordedPayload = {
  consultationMedium: string;
  narrative: string;
  codedItems: Array<Coded>;
  followUpAdvice: string;
};

export type Patient = {
  nhsNumber: string;
};

export type PatientNoteAddedEvent = {
  eventId: string;
  type: 'PatientNoteAdded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: PatientNoteAddedPayload;
};

export type PatientNoteAddedPayload = {
  note: string;
};

export type PharmacyConsultationRecordedEvent = {
  eventId: string;
  type: 'PharmacyConsultationRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: PharmacyConsultationRecordedPayload;
};

export type PharmacyConsultationRecordedPayload = {
  condition: string;
  presentingComplaint: string;
  clinicalNotes: string;
  outcome: string;
  supply: null | PharmacySupply;
  referral: null | PharmacyReferral;
};

export type PharmacyReferral = {
  to: string;
  reason: string;
};

export type PharmacySupply = {
  medication: Coded;
  quantity: string;
  dosageInstructions: string;
};

export type PostnatalContactRecordedEvent = {
  eventId: string;
  type: 'PostnatalContactRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: PostnatalContactRecordedPayload;
};

export type PostnatalContactRecordedPayload = {
  daysSinceBirth: number;
  motherWellbeing: string;
  infantFeeding: string;
  narrative: string;
};

export type ProblemRecordedEvent = {
  eventId: string;
  type: 'ProblemRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ProblemRecordedPayload;
};

export type ProblemRecordedPayload = {
  problem: Coded;
  status: string;
  onsetDate: null | string;
  significance: string;
  narrative: null | string;
};

export type ReferralAcceptedEvent = {
  eventId: string;
  type: 'ReferralAccepted';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ReferralAcceptedPayload;
};

export type ReferralAcceptedPayload = {
  referralEventId: string;
  referringOrganisation: string;
  note: null | string;
};

export type ReferralMadeEvent = {
  eventId: string;
  type: 'ReferralMade';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ReferralMadePayload;
};

export type ReferralMadePayload = {
  service: string;
  specialty: null | Coded;
  urgency: string;
  reason: string;
  receivingOrganisation: null | string;
};

export type RegistrationEndedEvent = {
  eventId: string;
  type: 'RegistrationEnded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: RegistrationEndedPayload;
};

export type RegistrationEndedPayload = {
  reason: string;
};

export type RegistrationStartedEvent = {
  eventId: string;
  type: 'RegistrationStarted';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: RegistrationStartedPayload;
};

export type RegistrationStartedPayload = {
  registrationType: string;
};

export type RelationshipClaimedEvent = {
  eventId: string;
  type: 'RelationshipClaimed';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: RelationshipClaimedPayload;
};

export type RelationshipClaimedPayload = {
  organisation: string;
  reason: string;
  expiresAt: Date;
};

export type ReviewCompletedEvent = {
  eventId: string;
  type: 'ReviewCompleted';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: ReviewCompletedPayload;
};

export type ReviewCompletedPayload = {
  reviewType: string;
  outcome: string;
  nextReviewDate: null | string;
};

export type SafeguardingConcernRaisedEvent = {
  eventId: string;
  type: 'SafeguardingConcernRaised';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: SafeguardingConcernRaisedPayload;
};

export type SafeguardingConcernRaisedPayload = {
  concernType: string;
  narrative: string;
  immediateRisk: boolean;
  referredTo: null | string;
};

export type SealedFrom = {
  kind: string;
  value: string;
};

export type SensitiveInformationSharedEvent = {
  eventId: string;
  type: 'SensitiveInformationShared';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: SensitiveInformationSharedPayload;
};

export type SensitiveInformationSharedPayload = {
  category: string;
  sharedWithOrganisation: string;
  consentGivenAt: Date;
};

export type Source = {
  service: string;
  organisation: string;
  system: string;
};

export type Supersedes = {
  eventId: string;
  reason: string;
};

export type TestResultRecordedEvent = {
  eventId: string;
  type: 'TestResultRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: TestResultRecordedPayload;
};

export type TestResultRecordedPayload = {
  test: Coded;
  value: null | string;
  unit: null | string;
  referenceRange: null | string;
  interpretation: string;
  narrative: null | string;
};

export type TriageOutcomeRecordedEvent = {
  eventId: string;
  type: 'TriageOutcomeRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: TriageOutcomeRecordedPayload;
};

export type TriageOutcomeRecordedPayload = {
  service: string;
  disposition: string;
  urgency: string;
  symptomsSummary: string;
};

export type VaccinationGivenEvent = {
  eventId: string;
  type: 'VaccinationGiven';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: VaccinationGivenPayload;
};

export type VaccinationGivenPayload = {
  vaccine: Coded;
  programme: string;
  batchNumber: string;
  doseNumber: null | number;
  site: null | string;
};

export type WearableSummaryRecordedEvent = {
  eventId: string;
  type: 'WearableSummaryRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: WearableSummaryRecordedPayload;
};

export type WearableSummaryRecordedPayload = {
  periodStart: Date;
  periodEnd: Date;
  metrics: Array<NamedValue>;
  deviceName: null | string;
};

export type WoundCareRecordedEvent = {
  eventId: string;
  type: 'WoundCareRecorded';
  schemaVersion: number;
  patient: Patient;
  occurredAt: Date;
  recordedAt: Date;
  source: Source;
  author: Author;
  sensitivity: Array<string>;
  attention: null | Attention;
  correlationId: string;
  causationId: null | string;
  supersedes: null | Supersedes;
  payload: WoundCareRecordedPayload;
};

export type WoundCareRecordedPayload = {
  woundId: string;
  woundType: null | Coded;
  bodySite: null | Coded;
  siteDescription: string;
  lengthMm: null | number;
  widthMm: null | number;
  depthMm: null | number;
  progress: string;
  signsOfInfection: boolean;
  dressing: string;
  nextDressingDue: null | string;
  note: string;
};

/** Every record-entry event, in the shape of the current version of its schema. */
export type RecordEntryEvent =
  | AllergyRecordedEvent
  | AmbulanceSeeAndTreatRecordedEvent
  | AntenatalContactRecordedEvent
  | AssessmentCompletedEvent
  | AttentionAcknowledgedEvent
  | AttentionEscalatedEvent
  | BirthRecordedEvent
  | CarePlanChangedEvent
  | CareTeamMemberAddedEvent
  | CareTeamMemberRemovedEvent
  | CareVisitRecordedEvent
  | CarerApprovedEvent
  | CarerObservationRecordedEvent
  | CarerRevokedEvent
  | CaseClosedEvent
  | CaseOpenedEvent
  | CaseloadTransferredToHealthVisitingEvent
  | ChildDevelopmentCheckRecordedEvent
  | ConsultationRecordedEvent
  | ContinenceAssessmentRecordedEvent
  | DistrictNursingVisitRecordedEvent
  | EdAttendanceRecordedEvent
  | EndOfLifeCareRecordedEvent
  | EntryEnteredInErrorEvent
  | EntrySealedEvent
  | EntryUnsealedEvent
  | HealthVisitorReviewRecordedEvent
  | HomeReadingRecordedEvent
  | ImmunisationRecordedEvent
  | LetterReceivedEvent
  | MaternityBookingRecordedEvent
  | MaternityDischargeRecordedEvent
  | MedicationChangedEvent
  | MedicationIssuedEvent
  | MedicationPrescribedEvent
  | MedicationStoppedEvent
  | MedicineDispensedEvent
  | OptOutRecordedEvent
  | OptOutWithdrawnEvent
  | OutOfHoursConsultationRecordedEvent
  | PatientNoteAddedEvent
  | PharmacyConsultationRecordedEvent
  | PostnatalContactRecordedEvent
  | ProblemRecordedEvent
  | ReferralAcceptedEvent
  | ReferralMadeEvent
  | RegistrationEndedEvent
  | RegistrationStartedEvent
  | RelationshipClaimedEvent
  | ReviewCompletedEvent
  | SafeguardingConcernRaisedEvent
  | SensitiveInformationSharedEvent
  | TestResultRecordedEvent
  | TriageOutcomeRecordedEvent
  | VaccinationGivenEvent
  | WearableSummaryRecordedEvent
  | WoundCareRecordedEvent;

export type RecordEntryEventOf<T extends EntryTypeName> = Extract<RecordEntryEvent, { type: T }>;
