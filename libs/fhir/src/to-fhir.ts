import { isHeldResultPayload, type EntryTypeName } from '@carelog/domain';
import type {
  AllergyRecordedPayload,
  AssessmentCompletedPayload,
  BirthRecordedPayload,
  CareTeamMemberAddedPayload,
  CareTeamMemberRemovedPayload,
  CaseloadTransferredToHealthVisitingPayload,
  ChildDevelopmentCheckRecordedPayload,
  ContinenceAssessmentRecordedPayload,
  EndOfLifeCareRecordedPayload,
  MaternityBookingRecordedPayload,
  MaternityDischargeRecordedPayload,
  ReferralAcceptedPayload,
  ReviewCompletedPayload,
  TestResultReviewedPayload,
  WoundCareRecordedPayload,
  AmbulanceSeeAndTreatRecordedPayload,
  AntenatalContactRecordedPayload,
  CareVisitRecordedPayload,
  CaseClosedPayload,
  CaseOpenedPayload,
  RegistrationEndedPayload,
  RegistrationStartedPayload,
  CarerObservationRecordedPayload,
  HomeReadingsFlaggedPayload,
  PatientNoteAddedPayload,
  DistrictNursingVisitRecordedPayload,
  HealthVisitorReviewRecordedPayload,
  PharmacyConsultationRecordedPayload,
  PostnatalContactRecordedPayload,
  TriageOutcomeRecordedPayload,
  CarePlanChangedPayload,
  ConsultationRecordedPayload,
  EdAttendanceRecordedPayload,
  ImmunisationRecordedPayload,
  LetterReceivedPayload,
  MedicationChangedPayload,
  MedicationIssuedPayload,
  MedicationPrescribedPayload,
  MedicationStoppedPayload,
  MedicineDispensedPayload,
  NamedValue,
  OutOfHoursConsultationRecordedPayload,
  ProblemRecordedPayload,
  ReferralMadePayload,
  SafeguardingConcernRaisedPayload,
  TestResultRecordedPayload,
  VaccinationGivenPayload,
  HomeReadingRecordedPayload,
  WearableSummaryRecordedPayload,
} from '@carelog/codec';
import type {
  AllergyIntolerance,
  CarePlan,
  CareTeam,
  ClinicalImpression,
  CodeableConcept,
  Coding,
  Condition,
  DocumentReference,
  Encounter,
  EpisodeOfCare,
  Extension,
  Flag,
  Immunization,
  MedicationDispense,
  MedicationRequest,
  MedicationStatement,
  Meta,
  Observation,
  Organization,
  ObservationComponent,
  Patient,
  Period,
  Procedure,
  Provenance,
  Quantity,
  Reference,
  RelatedPerson,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import { codingOf, entryDetail } from './entry-detail';
import { isoOf, type FhirSourceEntry } from './fhir-entry';
import {
  ACT_CODE_SYSTEM,
  ALLERGY_CLINICAL_SYSTEM,
  ALLERGY_VERIFICATION_SYSTEM,
  ATTENTION_EXTENSION,
  CARELOG_ROLE_SYSTEM,
  CONDITION_CATEGORY_SYSTEM,
  CONDITION_CLINICAL_SYSTEM,
  CONDITION_VERIFICATION_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  COURSE_OF_THERAPY_SYSTEM,
  ENTRY_ID_SYSTEM,
  ENTRY_TYPE_SYSTEM,
  EPS_PRESCRIPTION_SYSTEM,
  FLAG_CATEGORY_SYSTEM,
  FLAG_DETAIL_EXTENSION,
  INTERPRETATION_SYSTEM,
  MEDICATION_ID_SYSTEM,
  NHS_NUMBER_SYSTEM,
  OBSERVATION_CATEGORY_SYSTEM,
  ODS_ORGANISATION_SYSTEM,
  PROVENANCE_AGENT_SYSTEM,
  SENSITIVITY_SYSTEM,
  USER_ID_SYSTEM,
} from './fhir-terms';

/** What one entry type becomes: its resource type, and how its payload fills it. */
interface Mapping<P> {
  resourceType: MappedResourceType;
  toFhir(payload: P, context: MappingContext): Resource;
}

export interface MappingContext {
  subject: Reference<Patient>;
  occurredAt: string;
  recordedAt: string;
  enteredInError: boolean;
}

type MappedResourceType =
  | 'AllergyIntolerance'
  | 'CarePlan'
  | 'CareTeam'
  | 'ClinicalImpression'
  | 'Condition'
  | 'DocumentReference'
  | 'Encounter'
  | 'EpisodeOfCare'
  | 'Flag'
  | 'Immunization'
  | 'MedicationDispense'
  | 'MedicationRequest'
  | 'MedicationStatement'
  | 'Observation'
  | 'Procedure'
  | 'ServiceRequest';

export const patientReference = (nhsNumber: string): Reference<Patient> => ({
  reference: `Patient/${nhsNumber}`,
  identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber },
});

const organisationReference = (odsCode: string): Reference<Organization> => ({
  identifier: { system: ODS_ORGANISATION_SYSTEM, value: odsCode },
});

const concept = (coded: { system: string; code: string; display: string }): CodeableConcept => ({
  coding: [codingOf(coded)],
  text: coded.display,
});

const textConcept = (text: string): CodeableConcept => ({ text });

const category = (system: string, code: string): CodeableConcept => ({
  coding: [{ system, code }],
});

const notes = (text: string | null) => (text === null ? undefined : [{ text }]);

/** "28 tablet" as a Quantity, only where it reads back exactly as written. */
export function quantityOf(text: string): Quantity | undefined {
  const match = /^(\d+(?:\.\d+)?) (\S.*)$/.exec(text);
  if (!match?.[1] || !match[2] || String(Number(match[1])) !== match[1]) return undefined;
  return { value: Number(match[1]), unit: match[2] };
}

const componentOf = (value: NamedValue): ObservationComponent => ({
  code: textConcept(value.name),
  valueQuantity: { value: value.value, unit: value.unit },
});

const AMBULATORY: Coding = { system: ACT_CODE_SYSTEM, code: 'AMB', display: 'ambulatory' };
const HOME_HEALTH: Coding = { system: ACT_CODE_SYSTEM, code: 'HH', display: 'home health' };
const FIELD: Coding = { system: ACT_CODE_SYSTEM, code: 'FLD', display: 'field' };

/** An encounter's class from how it took place (HL7 v3 ActCode). */
const encounterClass = (medium: string | null): Coding =>
  medium === 'face-to-face' || medium === null
    ? AMBULATORY
    : { system: ACT_CODE_SYSTEM, code: 'VR', display: 'virtual' };

export const INTERPRETATION_CODE: Record<string, string> = {
  normal: 'N',
  abnormal: 'A',
  critical: 'AA',
};

export const REFERRAL_PRIORITY: Record<string, ServiceRequest['priority']> = {
  routine: 'routine',
  urgent: 'urgent',
  'two-week-wait': 'asap',
};

/** The entry's clinical time, where the resource's own time element does not say it. */
const unlessSame = (occurredAt: string, elementTime: string): Date | null =>
  occurredAt === elementTime ? null : new Date(occurredAt);

/** Entry types served as FHIR, each next to its resource. */
const MAPPINGS = {
  AllergyRecorded: {
    resourceType: 'AllergyIntolerance',
    toFhir: (p: AllergyRecordedPayload, c): AllergyIntolerance => ({
      resourceType: 'AllergyIntolerance',
      ...(c.enteredInError ? {} : { clinicalStatus: category(ALLERGY_CLINICAL_SYSTEM, 'active') }),
      verificationStatus: category(
        ALLERGY_VERIFICATION_SYSTEM,
        c.enteredInError
          ? 'entered-in-error'
          : p.certainty === 'confirmed'
            ? 'confirmed'
            : 'unconfirmed',
      ),
      code: concept(p.substance),
      patient: c.subject,
      recordedDate: c.occurredAt,
      ...(p.reaction
        ? {
            reaction: [
              {
                manifestation: [concept(p.reaction)],
                severity: p.severity as 'mild' | 'moderate' | 'severe',
              },
            ],
          }
        : {}),
      note: notes(p.narrative),
      extension: entryDetail({
        certainty: p.certainty,
        severity: p.reaction ? null : p.severity,
      }),
    }),
  } satisfies Mapping<AllergyRecordedPayload>,
  ProblemRecorded: {
    resourceType: 'Condition',
    toFhir: (p: ProblemRecordedPayload, c): Condition => ({
      resourceType: 'Condition',
      ...(c.enteredInError
        ? {}
        : { clinicalStatus: category(CONDITION_CLINICAL_SYSTEM, p.status) }),
      verificationStatus: category(
        CONDITION_VERIFICATION_SYSTEM,
        c.enteredInError ? 'entered-in-error' : 'confirmed',
      ),
      category: [category(CONDITION_CATEGORY_SYSTEM, 'problem-list-item')],
      code: concept(p.problem),
      subject: c.subject,
      ...(p.onsetDate === null ? {} : { onsetDateTime: p.onsetDate }),
      recordedDate: c.occurredAt,
      note: notes(p.narrative),
      extension: entryDetail({
        significance: p.significance,
        status: c.enteredInError ? p.status : null,
      }),
    }),
  } satisfies Mapping<ProblemRecordedPayload>,
  ImmunisationRecorded: {
    resourceType: 'Immunization',
    toFhir: (p: ImmunisationRecordedPayload, c): Immunization => immunization(p, c, null),
  } satisfies Mapping<ImmunisationRecordedPayload>,
  VaccinationGiven: {
    resourceType: 'Immunization',
    toFhir: (p: VaccinationGivenPayload, c): Immunization => immunization(p, c, p.programme),
  } satisfies Mapping<VaccinationGivenPayload>,
  TestResultRecorded: {
    resourceType: 'Observation',
    toFhir: (p: TestResultRecordedPayload, c): Observation => {
      const quantity =
        p.value !== null && p.unit !== null ? quantityOf(`${p.value} ${p.unit}`) : undefined;
      const interpretation = INTERPRETATION_CODE[p.interpretation];
      return {
        resourceType: 'Observation',
        status: c.enteredInError ? 'entered-in-error' : 'final',
        category: [category(OBSERVATION_CATEGORY_SYSTEM, 'laboratory')],
        code: concept(p.test),
        subject: c.subject,
        effectiveDateTime: c.occurredAt,
        issued: c.recordedAt,
        ...(quantity
          ? { valueQuantity: quantity }
          : p.value === null
            ? {}
            : { valueString: p.value }),
        ...(interpretation
          ? { interpretation: [category(INTERPRETATION_SYSTEM, interpretation)] }
          : {}),
        ...(p.referenceRange === null ? {} : { referenceRange: [{ text: p.referenceRange }] }),
        note: notes(p.narrative),
        extension: entryDetail({
          unit: quantity ? null : p.unit,
          interpretation: interpretation ? null : p.interpretation,
        }),
      };
    },
  } satisfies Mapping<TestResultRecordedPayload>,
  HomeReadingRecorded: {
    resourceType: 'Observation',
    toFhir: (p: HomeReadingRecordedPayload, c): Observation => ({
      resourceType: 'Observation',
      status: c.enteredInError ? 'entered-in-error' : 'final',
      category: [category(OBSERVATION_CATEGORY_SYSTEM, 'vital-signs')],
      code: concept(p.measurement),
      subject: c.subject,
      effectiveDateTime: c.occurredAt,
      issued: c.recordedAt,
      component: p.readings.map(componentOf),
      ...(p.deviceName === null ? {} : { device: { display: p.deviceName } }),
    }),
  } satisfies Mapping<HomeReadingRecordedPayload>,
  WearableSummaryRecorded: {
    resourceType: 'Observation',
    toFhir: (p: WearableSummaryRecordedPayload, c): Observation => ({
      resourceType: 'Observation',
      status: c.enteredInError ? 'entered-in-error' : 'final',
      category: [category(OBSERVATION_CATEGORY_SYSTEM, 'activity')],
      code: textConcept('Wearable summary'),
      subject: c.subject,
      effectivePeriod: { start: isoOf(p.periodStart), end: isoOf(p.periodEnd) },
      issued: c.recordedAt,
      component: p.metrics.map(componentOf),
      ...(p.deviceName === null ? {} : { device: { display: p.deviceName } }),
      extension: entryDetail({ occurredAt: unlessSame(c.occurredAt, isoOf(p.periodEnd)) }),
    }),
  } satisfies Mapping<WearableSummaryRecordedPayload>,
  PatientNoteAdded: {
    resourceType: 'Observation',
    // Only the patient authors a note (source-domains.ts): the patient is its performer.
    toFhir: (p: PatientNoteAddedPayload, c): Observation =>
      reported(c, 'Patient note', c.subject, p.note),
  } satisfies Mapping<PatientNoteAddedPayload>,
  CarerObservationRecorded: {
    resourceType: 'Observation',
    toFhir: (p: CarerObservationRecordedPayload, c): Observation => ({
      ...reported(
        c,
        'Carer observation',
        { type: 'RelatedPerson', identifier: { system: USER_ID_SYSTEM, value: p.carerUserId } },
        p.observation,
      ),
      extension: entryDetail({ concernLevel: p.concernLevel }),
    }),
  } satisfies Mapping<CarerObservationRecordedPayload>,
  MedicationPrescribed: {
    resourceType: 'MedicationRequest',
    toFhir: (p: MedicationPrescribedPayload, c): MedicationRequest => {
      const quantity = quantityOf(p.quantity);
      return {
        resourceType: 'MedicationRequest',
        status: c.enteredInError ? 'entered-in-error' : 'active',
        intent: 'order',
        courseOfTherapyType: category(
          COURSE_OF_THERAPY_SYSTEM,
          p.prescriptionType === 'repeat' ? 'continuous' : 'acute',
        ),
        medicationCodeableConcept: concept(p.medication),
        subject: c.subject,
        authoredOn: c.occurredAt,
        dosageInstruction: [{ text: p.dosageInstructions }],
        ...(p.indication === null ? {} : { reasonCode: [textConcept(p.indication)] }),
        ...(p.medicationId === null
          ? {}
          : { groupIdentifier: { system: MEDICATION_ID_SYSTEM, value: p.medicationId } }),
        ...(quantity ? { dispenseRequest: { quantity } } : {}),
        extension: entryDetail({
          quantity: quantity ? null : p.quantity,
          prescriptionType:
            p.prescriptionType === 'repeat' || p.prescriptionType === 'acute'
              ? null
              : p.prescriptionType,
        }),
      };
    },
  } satisfies Mapping<MedicationPrescribedPayload>,
  MedicationIssued: {
    resourceType: 'MedicationRequest',
    toFhir: (p: MedicationIssuedPayload, c): MedicationRequest => {
      const quantity = quantityOf(p.quantity);
      return {
        resourceType: 'MedicationRequest',
        status: c.enteredInError ? 'entered-in-error' : 'completed',
        intent: 'instance-order',
        medicationCodeableConcept: concept(p.medication),
        subject: c.subject,
        authoredOn: c.occurredAt,
        ...(p.prescriptionEventId === null
          ? {}
          : { basedOn: [{ reference: `MedicationRequest/${p.prescriptionEventId}` }] }),
        ...(p.medicationId === null
          ? {}
          : { groupIdentifier: { system: MEDICATION_ID_SYSTEM, value: p.medicationId } }),
        ...(quantity || p.nominatedPharmacy !== null
          ? {
              dispenseRequest: {
                ...(quantity ? { quantity } : {}),
                ...(p.nominatedPharmacy === null
                  ? {}
                  : { performer: organisationReference(p.nominatedPharmacy) }),
              },
            }
          : {}),
        extension: entryDetail({
          issueNumber: p.issueNumber,
          quantity: quantity ? null : p.quantity,
        }),
      };
    },
  } satisfies Mapping<MedicationIssuedPayload>,
  MedicineDispensed: {
    resourceType: 'MedicationDispense',
    toFhir: (p: MedicineDispensedPayload, c): MedicationDispense => {
      const quantity = quantityOf(p.quantity);
      const prescriptions: Array<Reference<MedicationRequest>> = [
        ...(p.prescriptionEventId === null
          ? []
          : [{ reference: `MedicationRequest/${p.prescriptionEventId}` }]),
        ...(p.epsPrescriptionId === null
          ? []
          : [{ identifier: { system: EPS_PRESCRIPTION_SYSTEM, value: p.epsPrescriptionId } }]),
      ];
      return {
        resourceType: 'MedicationDispense',
        status: c.enteredInError ? 'entered-in-error' : 'completed',
        medicationCodeableConcept: concept(p.medication),
        subject: c.subject,
        whenHandedOver: c.occurredAt,
        ...(quantity ? { quantity } : {}),
        ...(prescriptions.length === 0 ? {} : { authorizingPrescription: prescriptions }),
        extension: entryDetail({
          medicationId: p.medicationId,
          quantity: quantity ? null : p.quantity,
        }),
      };
    },
  } satisfies Mapping<MedicineDispensedPayload>,
  MedicationChanged: {
    resourceType: 'MedicationStatement',
    toFhir: (p: MedicationChangedPayload, c): MedicationStatement => ({
      resourceType: 'MedicationStatement',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      medicationCodeableConcept: concept(p.medication),
      subject: c.subject,
      dateAsserted: c.occurredAt,
      dosage: [{ text: p.dosageInstructions }],
      ...(p.reason === null ? {} : { statusReason: [textConcept(p.reason)] }),
      extension: entryDetail({
        medicationId: p.medicationId,
        previousDosageInstructions: p.previousDosageInstructions,
      }),
    }),
  } satisfies Mapping<MedicationChangedPayload>,
  MedicationStopped: {
    resourceType: 'MedicationStatement',
    toFhir: (p: MedicationStoppedPayload, c): MedicationStatement => ({
      resourceType: 'MedicationStatement',
      status: c.enteredInError ? 'entered-in-error' : 'stopped',
      medicationCodeableConcept: concept(p.medication),
      subject: c.subject,
      dateAsserted: c.occurredAt,
      statusReason: [textConcept(p.reason)],
      extension: entryDetail({ medicationId: p.medicationId }),
    }),
  } satisfies Mapping<MedicationStoppedPayload>,
  ReferralMade: {
    resourceType: 'ServiceRequest',
    toFhir: (p: ReferralMadePayload, c): ServiceRequest => ({
      resourceType: 'ServiceRequest',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      intent: 'order',
      ...(REFERRAL_PRIORITY[p.urgency] ? { priority: REFERRAL_PRIORITY[p.urgency] } : {}),
      code: textConcept(p.service),
      subject: c.subject,
      authoredOn: c.occurredAt,
      ...(p.specialty === null ? {} : { performerType: concept(p.specialty) }),
      ...(p.receivingOrganisation === null
        ? {}
        : { performer: [organisationReference(p.receivingOrganisation)] }),
      reasonCode: [textConcept(p.reason)],
      extension: entryDetail({ urgency: p.urgency }),
    }),
  } satisfies Mapping<ReferralMadePayload>,
  LetterReceived: {
    resourceType: 'DocumentReference',
    toFhir: (p: LetterReceivedPayload, c): DocumentReference => ({
      resourceType: 'DocumentReference',
      status: c.enteredInError ? 'entered-in-error' : 'current',
      type: textConcept(p.letterType),
      subject: c.subject,
      date: c.occurredAt,
      author: [organisationReference(p.fromOrganisation)],
      description: p.summary,
      content: [
        {
          attachment: {
            contentType: 'text/plain',
            data: Buffer.from(p.summary, 'utf8').toString('base64'),
          },
        },
      ],
    }),
  } satisfies Mapping<LetterReceivedPayload>,
  CarePlanChanged: {
    resourceType: 'CarePlan',
    toFhir: (p: CarePlanChangedPayload, c): CarePlan => ({
      resourceType: 'CarePlan',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      intent: 'plan',
      subject: c.subject,
      created: c.occurredAt,
      period: { start: p.effectiveFrom },
      description: p.summaryOfChange,
      activity: p.planItems.map((item) => ({
        detail: { status: 'scheduled', description: item },
      })),
      extension: entryDetail({ visitsPerWeek: p.visitsPerWeek }),
    }),
  } satisfies Mapping<CarePlanChangedPayload>,
  ConsultationRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: ConsultationRecordedPayload, c): Encounter => consultation(p, c, null),
  } satisfies Mapping<ConsultationRecordedPayload>,
  OutOfHoursConsultationRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: OutOfHoursConsultationRecordedPayload, c): Encounter =>
      consultation(p, c, p.followUpAdvice),
  } satisfies Mapping<OutOfHoursConsultationRecordedPayload>,
  EdAttendanceRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: EdAttendanceRecordedPayload, c): Encounter => ({
      resourceType: 'Encounter',
      status: c.enteredInError ? 'entered-in-error' : 'finished',
      class: { system: ACT_CODE_SYSTEM, code: 'EMER', display: 'emergency' },
      subject: c.subject,
      period: {
        start: isoOf(p.arrivalTime),
        ...(p.departureTime === null ? {} : { end: isoOf(p.departureTime) }),
      },
      ...(p.chiefComplaint === null ? {} : { reasonCode: [concept(p.chiefComplaint)] }),
      hospitalization: { dischargeDisposition: textConcept(p.dischargeDestination) },
      extension: entryDetail({
        narrative: p.narrative,
        diagnosis: p.diagnosis,
        occurredAt: unlessSame(c.occurredAt, isoOf(p.arrivalTime)),
      }),
    }),
  } satisfies Mapping<EdAttendanceRecordedPayload>,
  CareVisitRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: CareVisitRecordedPayload, c): Encounter => ({
      ...contact(c, HOME_HEALTH, { start: isoOf(p.visitStart), end: isoOf(p.visitEnd) }),
      type: [textConcept('Care visit')],
      extension: entryDetail({
        tasksCompleted: p.tasksCompleted,
        note: p.note,
        concernsRaised: p.concernsRaised,
        occurredAt: unlessSame(c.occurredAt, isoOf(p.visitStart)),
      }),
    }),
  } satisfies Mapping<CareVisitRecordedPayload>,
  DistrictNursingVisitRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: DistrictNursingVisitRecordedPayload, c): Encounter => ({
      ...contact(c, HOME_HEALTH, { start: isoOf(p.visitStart), end: isoOf(p.visitEnd) }),
      type: [textConcept(p.visitType)],
      extension: entryDetail({
        interventions: p.interventions,
        note: p.note,
        nextVisitDue: p.nextVisitDue,
        occurredAt: unlessSame(c.occurredAt, isoOf(p.visitStart)),
      }),
    }),
  } satisfies Mapping<DistrictNursingVisitRecordedPayload>,
  AntenatalContactRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: AntenatalContactRecordedPayload, c): Encounter => ({
      ...contact(c, AMBULATORY, { start: c.occurredAt }),
      type: [textConcept('Antenatal contact')],
      extension: entryDetail({
        gestationWeeks: p.gestationWeeks,
        bloodPressureSystolic: p.bloodPressureSystolic,
        bloodPressureDiastolic: p.bloodPressureDiastolic,
        fetalHeartRate: p.fetalHeartRate,
        narrative: p.narrative,
      }),
    }),
  } satisfies Mapping<AntenatalContactRecordedPayload>,
  PostnatalContactRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: PostnatalContactRecordedPayload, c): Encounter => ({
      ...contact(c, AMBULATORY, { start: c.occurredAt }),
      type: [textConcept('Postnatal contact')],
      extension: entryDetail({
        daysSinceBirth: p.daysSinceBirth,
        motherWellbeing: p.motherWellbeing,
        infantFeeding: p.infantFeeding,
        narrative: p.narrative,
      }),
    }),
  } satisfies Mapping<PostnatalContactRecordedPayload>,
  HealthVisitorReviewRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: HealthVisitorReviewRecordedPayload, c): Encounter => ({
      ...contact(c, AMBULATORY, { start: c.occurredAt }),
      type: [textConcept(p.reviewStage)],
      extension: entryDetail({
        childNhsNumber: p.childNhsNumber,
        narrative: p.narrative,
        concerns: p.concerns,
      }),
    }),
  } satisfies Mapping<HealthVisitorReviewRecordedPayload>,
  TriageOutcomeRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: TriageOutcomeRecordedPayload, c): Encounter => ({
      ...contact(c, AMBULATORY, { start: c.occurredAt }),
      serviceType: textConcept(p.service),
      priority: textConcept(p.urgency),
      reasonCode: [textConcept(p.symptomsSummary)],
      hospitalization: { dischargeDisposition: textConcept(p.disposition) },
    }),
  } satisfies Mapping<TriageOutcomeRecordedPayload>,
  AmbulanceSeeAndTreatRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: AmbulanceSeeAndTreatRecordedPayload, c): Encounter => ({
      ...contact(c, FIELD, { start: isoOf(p.incidentTime) }),
      reasonCode: [textConcept(p.presentingComplaint)],
      extension: entryDetail({
        treatmentGiven: p.treatmentGiven,
        conveyed: p.conveyed,
        narrative: p.narrative,
        occurredAt: unlessSame(c.occurredAt, isoOf(p.incidentTime)),
      }),
    }),
  } satisfies Mapping<AmbulanceSeeAndTreatRecordedPayload>,
  PharmacyConsultationRecorded: {
    resourceType: 'Encounter',
    toFhir: (p: PharmacyConsultationRecordedPayload, c): Encounter => ({
      ...contact(c, AMBULATORY, { start: c.occurredAt }),
      reasonCode: [textConcept(p.presentingComplaint)],
      extension: entryDetail({
        condition: p.condition,
        clinicalNotes: p.clinicalNotes,
        outcome: p.outcome,
        supplyMedication: p.supply?.medication,
        supplyQuantity: p.supply?.quantity,
        supplyDosageInstructions: p.supply?.dosageInstructions,
        referralTo: p.referral?.to,
        referralReason: p.referral?.reason,
      }),
    }),
  } satisfies Mapping<PharmacyConsultationRecordedPayload>,
  SafeguardingConcernRaised: {
    resourceType: 'Flag',
    toFhir: (p: SafeguardingConcernRaisedPayload, c): Flag => ({
      resourceType: 'Flag',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      code: textConcept(`Safeguarding concern: ${p.concernType}`),
      subject: c.subject,
      period: { start: c.occurredAt },
      extension: entryDetail({
        concernType: p.concernType,
        narrative: p.narrative,
        immediateRisk: p.immediateRisk,
        referredTo: p.referredTo,
      }),
    }),
  } satisfies Mapping<SafeguardingConcernRaisedPayload>,
  HomeReadingsFlagged: {
    resourceType: 'Flag',
    toFhir: (p: HomeReadingsFlaggedPayload, c): Flag => ({
      resourceType: 'Flag',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      category: [category(FLAG_CATEGORY_SYSTEM, 'clinical')],
      code: textConcept(`Home readings flagged: ${p.rule}`),
      subject: c.subject,
      period: { start: c.occurredAt },
      extension: [
        ...p.readings.map((id) => ({
          url: FLAG_DETAIL_EXTENSION,
          valueReference: { reference: `Observation/${id}` },
        })),
        ...entryDetail({
          rule: p.rule,
          urgency: p.urgency,
          guidance: p.guidance,
          readingCount: p.summary.readingCount,
          systolic: p.summary.systolic,
          diastolic: p.summary.diastolic,
          from: new Date(isoOf(p.summary.from)),
          to: new Date(isoOf(p.summary.to)),
        }),
      ],
    }),
  } satisfies Mapping<HomeReadingsFlaggedPayload>,
  RegistrationStarted: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: RegistrationStartedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'active', GP_REGISTRATION),
      period: { start: c.occurredAt },
      extension: entryDetail({ registrationType: p.registrationType }),
    }),
  } satisfies Mapping<RegistrationStartedPayload>,
  RegistrationEnded: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: RegistrationEndedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'finished', GP_REGISTRATION),
      period: { end: c.occurredAt },
      extension: entryDetail({ reason: p.reason }),
    }),
  } satisfies Mapping<RegistrationEndedPayload>,
  CaseOpened: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: CaseOpenedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'active', textConcept(p.caseType)),
      period: { start: c.occurredAt },
      ...(p.allocatedTeam === null ? {} : { team: [{ display: p.allocatedTeam }] }),
      extension: entryDetail({ reason: p.reason }),
    }),
  } satisfies Mapping<CaseOpenedPayload>,
  CaseClosed: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: CaseClosedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'finished', textConcept('Social care case')),
      period: { end: c.occurredAt },
      extension: entryDetail({ reason: p.reason }),
    }),
  } satisfies Mapping<CaseClosedPayload>,
  MaternityBookingRecorded: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: MaternityBookingRecordedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'active', MATERNITY_CARE),
      period: { start: c.occurredAt },
      extension: entryDetail({
        estimatedDueDate: p.estimatedDueDate,
        gravida: p.gravida,
        parity: p.parity,
        riskLevel: p.riskLevel,
        leadProfessional: p.leadProfessional,
      }),
    }),
  } satisfies Mapping<MaternityBookingRecordedPayload>,
  MaternityDischargeRecorded: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: MaternityDischargeRecordedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'finished', MATERNITY_CARE),
      period: { end: p.dischargeDate },
      extension: entryDetail({ summary: p.summary, occurredAt: new Date(c.occurredAt) }),
    }),
  } satisfies Mapping<MaternityDischargeRecordedPayload>,
  CaseloadTransferredToHealthVisiting: {
    resourceType: 'EpisodeOfCare',
    toFhir: (p: CaseloadTransferredToHealthVisitingPayload, c): EpisodeOfCare => ({
      ...episode(c, 'active', textConcept('Health visiting caseload')),
      managingOrganization: organisationReference(p.healthVisitingOrganisation),
      period: { start: p.transferDate },
      extension: entryDetail({
        childNhsNumber: p.childNhsNumber,
        occurredAt: new Date(c.occurredAt),
      }),
    }),
  } satisfies Mapping<CaseloadTransferredToHealthVisitingPayload>,
  ReferralAccepted: {
    resourceType: 'EpisodeOfCare',
    // The accepting organisation is the entry's author's (Provenance); the referral it accepts
    // is the ServiceRequest it came from, as EpisodeOfCare.referralRequest says.
    toFhir: (p: ReferralAcceptedPayload, c): EpisodeOfCare => ({
      ...episode(c, 'active', textConcept('Accepted referral')),
      referralRequest: [{ reference: `ServiceRequest/${p.referralEventId}` }],
      period: { start: c.occurredAt },
      extension: entryDetail({ referringOrganisation: p.referringOrganisation, note: p.note }),
    }),
  } satisfies Mapping<ReferralAcceptedPayload>,
  CareTeamMemberAdded: {
    resourceType: 'CareTeam',
    toFhir: (p: CareTeamMemberAddedPayload, c): CareTeam =>
      careTeam(c, 'active', p, { start: c.occurredAt }, p.reason, p.team),
  } satisfies Mapping<CareTeamMemberAddedPayload>,
  CareTeamMemberRemoved: {
    resourceType: 'CareTeam',
    toFhir: (p: CareTeamMemberRemovedPayload, c): CareTeam =>
      careTeam(c, 'inactive', p, { end: c.occurredAt }, p.reason, null),
  } satisfies Mapping<CareTeamMemberRemovedPayload>,
  BirthRecorded: {
    resourceType: 'Procedure',
    // The delivery, on the mother's record; the baby's own record is its own patient.
    toFhir: (p: BirthRecordedPayload, c): Procedure => ({
      resourceType: 'Procedure',
      status: c.enteredInError ? 'entered-in-error' : 'completed',
      code: concept(p.deliveryMethod),
      subject: c.subject,
      performedDateTime: isoOf(p.birthTime),
      extension: entryDetail({
        babyNhsNumber: p.babyNhsNumber,
        birthWeightGrams: p.birthWeightGrams,
        gestationWeeks: p.gestationWeeks,
        sexAtBirth: p.sexAtBirth,
        birthOrder: p.birthOrder,
        occurredAt: unlessSame(c.occurredAt, isoOf(p.birthTime)),
      }),
    }),
  } satisfies Mapping<BirthRecordedPayload>,
  AssessmentCompleted: {
    resourceType: 'ClinicalImpression',
    toFhir: (p: AssessmentCompletedPayload, c): ClinicalImpression => ({
      ...impression(c, textConcept(p.assessmentType), p.outcome),
      description: p.narrative,
      ...(p.eligibleNeeds.length === 0
        ? {}
        : { finding: p.eligibleNeeds.map((need) => ({ itemCodeableConcept: textConcept(need) })) }),
    }),
  } satisfies Mapping<AssessmentCompletedPayload>,
  ReviewCompleted: {
    resourceType: 'ClinicalImpression',
    toFhir: (p: ReviewCompletedPayload, c): ClinicalImpression => ({
      ...impression(c, textConcept(p.reviewType), p.outcome),
      extension: entryDetail({ nextReviewDate: p.nextReviewDate }),
    }),
  } satisfies Mapping<ReviewCompletedPayload>,
  TestResultReviewed: {
    resourceType: 'ClinicalImpression',
    // The review names the result it reviewed (an Observation, by its entry's event id).
    toFhir: (p: TestResultReviewedPayload, c): ClinicalImpression => ({
      ...impression(c, textConcept('Test result review'), p.outcome),
      investigation: [
        {
          code: textConcept('Test result'),
          item: [{ reference: `Observation/${p.result.eventId}` }],
        },
      ],
      note: notes(p.commentForPatient),
    }),
  } satisfies Mapping<TestResultReviewedPayload>,
  WoundCareRecorded: {
    resourceType: 'Observation',
    toFhir: (p: WoundCareRecordedPayload, c): Observation => ({
      ...examination(c, 'Wound assessment', p.note),
      ...(p.woundType === null ? {} : { valueCodeableConcept: concept(p.woundType) }),
      bodySite: {
        ...(p.bodySite === null ? {} : { coding: [codingOf(p.bodySite)] }),
        text: p.siteDescription,
      },
      ...optionalComponents([
        millimetres(WOUND_LENGTH, p.lengthMm),
        millimetres(WOUND_WIDTH, p.widthMm),
        millimetres(WOUND_DEPTH, p.depthMm),
      ]),
      extension: entryDetail({
        woundId: p.woundId,
        progress: p.progress,
        signsOfInfection: p.signsOfInfection,
        dressing: p.dressing,
        nextDressingDue: p.nextDressingDue,
      }),
    }),
  } satisfies Mapping<WoundCareRecordedPayload>,
  ContinenceAssessmentRecorded: {
    resourceType: 'Observation',
    toFhir: (p: ContinenceAssessmentRecordedPayload, c): Observation => ({
      ...examination(c, 'Continence assessment', p.note),
      ...(p.finding === null ? {} : { valueCodeableConcept: concept(p.finding) }),
      component: [
        { code: textConcept(BLADDER), valueString: p.bladder },
        { code: textConcept(BOWEL), valueString: p.bowel },
      ],
      extension: entryDetail({ productsSupplied: p.productsSupplied, plan: p.plan }),
    }),
  } satisfies Mapping<ContinenceAssessmentRecordedPayload>,
  ChildDevelopmentCheckRecorded: {
    resourceType: 'Observation',
    // ASQ-3 domain scores, one component each, on the child's own record.
    toFhir: (p: ChildDevelopmentCheckRecordedPayload, c): Observation => ({
      resourceType: 'Observation',
      status: c.enteredInError ? 'entered-in-error' : 'final',
      category: [category(OBSERVATION_CATEGORY_SYSTEM, 'survey')],
      code: textConcept('Child development check'),
      subject: c.subject,
      effectiveDateTime: c.occurredAt,
      issued: c.recordedAt,
      valueString: p.outcome,
      ...optionalComponents(
        p.scores.map((score) => ({
          code: textConcept(score.domain),
          valueInteger: score.score,
        })),
      ),
      extension: entryDetail({ childNhsNumber: p.childNhsNumber, ageMonths: p.ageMonths }),
    }),
  } satisfies Mapping<ChildDevelopmentCheckRecordedPayload>,
  EndOfLifeCareRecorded: {
    resourceType: 'CarePlan',
    // Anticipatory ("just in case") medicines as the plan's activities; the rest of the plan
    // (resuscitation status, preferred place of death, ReSPECT form) in entry-detail.
    toFhir: (p: EndOfLifeCareRecordedPayload, c): CarePlan => ({
      resourceType: 'CarePlan',
      status: c.enteredInError ? 'entered-in-error' : 'active',
      intent: 'plan',
      category: [END_OF_LIFE_CARE],
      subject: c.subject,
      created: c.occurredAt,
      description: p.note,
      ...(p.anticipatoryMedicines.length === 0
        ? {}
        : {
            activity: p.anticipatoryMedicines.map((medicine) => ({
              detail: {
                kind: 'MedicationRequest' as const,
                status: 'not-started' as const,
                productCodeableConcept: {
                  ...(medicine.medicine === null ? {} : { coding: [codingOf(medicine.medicine)] }),
                  text: medicine.name,
                },
                description: medicine.dose,
                reasonCode: [textConcept(medicine.indication)],
              },
            })),
          }),
      extension: entryDetail({
        preferredPlaceOfDeath: p.preferredPlaceOfDeath,
        resuscitationStatus: p.resuscitationStatus,
        respectFormCompleted: p.respectFormCompleted,
      }),
    }),
  } satisfies Mapping<EndOfLifeCareRecordedPayload>,
} satisfies Record<string, { resourceType: MappedResourceType; toFhir: unknown }>;

const GP_REGISTRATION = textConcept('GP registration');
const MATERNITY_CARE = textConcept('Maternity care');
const END_OF_LIFE_CARE = textConcept('End of life care');
export const WOUND_LENGTH = 'Wound length';
export const WOUND_WIDTH = 'Wound width';
export const WOUND_DEPTH = 'Wound depth';
export const BLADDER = 'Bladder';
export const BOWEL = 'Bowel';
const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** A measurement in millimetres (UCUM), where one was taken. */
const millimetres = (name: string, value: number | null): ObservationComponent | null =>
  value === null
    ? null
    : {
        code: textConcept(name),
        valueQuantity: { value, unit: 'mm', system: UCUM_SYSTEM, code: 'mm' },
      };

/** `component`, left out when there is none (R4 allows no empty list). */
const optionalComponents = (
  components: ReadonlyArray<ObservationComponent | null>,
): { component?: ObservationComponent[] } => {
  const present = components.filter((item): item is ObservationComponent => item !== null);
  return present.length === 0 ? {} : { component: present };
};

/** A community nurse's examination (a wound, continence) as an Observation with its note. */
function examination(c: MappingContext, title: string, note: string): Observation {
  return {
    resourceType: 'Observation',
    status: c.enteredInError ? 'entered-in-error' : 'final',
    category: [category(OBSERVATION_CATEGORY_SYSTEM, 'exam')],
    code: textConcept(title),
    subject: c.subject,
    effectiveDateTime: c.occurredAt,
    issued: c.recordedAt,
    note: [{ text: note }],
  };
}

/** An assessment or review as a completed ClinicalImpression: what it was, and its outcome. */
function impression(c: MappingContext, code: CodeableConcept, outcome: string): ClinicalImpression {
  return {
    resourceType: 'ClinicalImpression',
    status: c.enteredInError ? 'entered-in-error' : 'completed',
    code,
    subject: c.subject,
    date: c.occurredAt,
    summary: outcome,
  };
}

/**
 * A care-team change as a CareTeam holding the one member it adds (`active`, the member's
 * period starting) or removes (`inactive`, the period ending): each entry its own resource.
 */
function careTeam(
  c: MappingContext,
  status: 'active' | 'inactive',
  member: { organisation: string; role: string },
  period: Period,
  reason: string | null,
  team: string | null,
): CareTeam {
  return {
    resourceType: 'CareTeam',
    status: c.enteredInError ? 'entered-in-error' : status,
    ...(team === null ? {} : { name: team }),
    subject: c.subject,
    period,
    participant: [
      {
        role: [category(CARELOG_ROLE_SYSTEM, member.role)],
        member: { type: 'Organization', ...organisationReference(member.organisation) },
        period,
      },
    ],
    ...(reason === null ? {} : { reasonCode: [textConcept(reason)] }),
  };
}

/**
 * A care relationship's start or end as an EpisodeOfCare: each entry is its own resource (a
 * start active from when it happened, an end finished then), as the record keeps them.
 */
function episode(
  c: MappingContext,
  status: 'active' | 'finished',
  type: CodeableConcept,
): EpisodeOfCare {
  return {
    resourceType: 'EpisodeOfCare',
    status: c.enteredInError ? 'entered-in-error' : status,
    type: [type],
    patient: c.subject,
  };
}

/** What a patient or carer reports, in their words, as an Observation they performed. */
function reported(
  c: MappingContext,
  title: string,
  performer: Reference<Patient | RelatedPerson>,
  text: string,
): Observation {
  return {
    resourceType: 'Observation',
    status: c.enteredInError ? 'entered-in-error' : 'final',
    code: textConcept(title),
    subject: c.subject,
    effectiveDateTime: c.occurredAt,
    issued: c.recordedAt,
    performer: [performer],
    valueString: text,
  };
}

/** A contact or visit as a finished Encounter: the parts every one of them has. */
function contact(c: MappingContext, encounterClass: Coding, period: Period): Encounter {
  return {
    resourceType: 'Encounter',
    status: c.enteredInError ? 'entered-in-error' : 'finished',
    class: encounterClass,
    subject: c.subject,
    period,
  };
}

function consultation(
  p: ConsultationRecordedPayload | OutOfHoursConsultationRecordedPayload,
  c: MappingContext,
  followUpAdvice: string | null,
): Encounter {
  return {
    resourceType: 'Encounter',
    status: c.enteredInError ? 'entered-in-error' : 'finished',
    class: encounterClass(p.consultationMedium),
    subject: c.subject,
    period: { start: c.occurredAt },
    ...(p.codedItems.length === 0 ? {} : { reasonCode: p.codedItems.map(concept) }),
    extension: entryDetail({
      narrative: p.narrative,
      consultationMedium: p.consultationMedium,
      followUpAdvice,
    }),
  };
}

function immunization(
  p: ImmunisationRecordedPayload | VaccinationGivenPayload,
  c: MappingContext,
  programme: string | null,
): Immunization {
  return {
    resourceType: 'Immunization',
    status: c.enteredInError ? 'entered-in-error' : 'completed',
    vaccineCode: concept(p.vaccine),
    patient: c.subject,
    occurrenceDateTime: c.occurredAt,
    recorded: c.recordedAt,
    ...(p.batchNumber === null ? {} : { lotNumber: p.batchNumber }),
    ...(p.site === null ? {} : { site: textConcept(p.site) }),
    ...(p.doseNumber === null
      ? {}
      : { protocolApplied: [{ doseNumberPositiveInt: p.doseNumber }] }),
    extension: entryDetail({ programme }),
  };
}

export type MappedEntryType = keyof typeof MAPPINGS;

export const MAPPED_ENTRY_TYPES = Object.keys(MAPPINGS) as MappedEntryType[];

export const isMappedEntryType = (type: string): type is MappedEntryType =>
  Object.prototype.hasOwnProperty.call(MAPPINGS, type);

/**
 * Entry types carelog does not serve as FHIR, each with why: they are who may see or act on
 * the record (consents, relationships), or steps and corrections of other entries, not the
 * record itself. Their data stays on the JSON routes. Every entry type is either in MAPPINGS
 * or here (the build checks it), so a new type cannot be left out of FHIR unnoticed.
 */
export const NOT_SERVED_AS_FHIR = {
  AttentionAcknowledged:
    'a step of an attention task (task-list state): the flagged entry is served with its Task',
  AttentionEscalated:
    'a step of an attention task (task-list state): the flagged entry is served with its Task',
  EntryEnteredInError:
    "a correction: the corrected entry is served with FHIR's entered-in-error status instead",
  CarerApproved: 'a consent decision: what a carer may see, enforced by the access rules',
  CarerRevoked: 'a consent decision: what a carer may see, enforced by the access rules',
  OptOutRecorded: 'a consent decision: a data opt-out, enforced by the platform',
  OptOutWithdrawn: 'a consent decision: a data opt-out, enforced by the platform',
  EntrySealed:
    'a consent decision: serving it would tell a reader that an entry is sealed, and from whom',
  EntryUnsealed:
    'a consent decision: serving it would tell a reader that an entry was sealed, and from whom',
  SensitiveInformationShared:
    'a consent decision: serving it would tell a reader that a legally protected category exists',
  ParentalAccessDecided: "a consent decision: the child's choice whether a parent may read",
  ParentalResponsibilityRecorded:
    "access control: who may act for the child on carelog (children's routes); and R4's RelatedPerson has no status, so an entry entered in error could not be told from a current one",
  ParentalResponsibilityEnded:
    "access control: who may act for the child on carelog (children's routes); and R4's RelatedPerson has no status, so an entry entered in error could not be told from a current one",
  RelationshipClaimed:
    "access control: a person's claim to read the record, shown in the access log and the privacy officer's review, not part of the clinical record",
} as const satisfies Record<Exclude<EntryTypeName, MappedEntryType>, string>;

/** The FHIR resource type each mapped entry type is served as. */
export const resourceTypeOf = (type: MappedEntryType): MappedResourceType =>
  MAPPINGS[type].resourceType;

/** The resource types carelog serves for entries, each with the entry types behind it. */
export const ENTRY_TYPES_BY_RESOURCE: ReadonlyMap<MappedResourceType, MappedEntryType[]> = (() => {
  const byResource = new Map<MappedResourceType, MappedEntryType[]>();
  for (const type of MAPPED_ENTRY_TYPES) {
    const resourceType = resourceTypeOf(type);
    byResource.set(resourceType, [...(byResource.get(resourceType) ?? []), type]);
  }
  return byResource;
})();

/**
 * Security labels: carelog's sensitivity categories as they are, and the HL7 confidentiality
 * they imply: R (restricted) for any sensitive entry, N (normal) otherwise.
 */
export const securityLabels = (sensitivity: readonly string[]): Coding[] => [
  ...sensitivity.map((code) => ({ system: SENSITIVITY_SYSTEM, code })),
  { system: CONFIDENTIALITY_SYSTEM, code: sensitivity.length > 0 ? 'R' : 'N' },
];

const attentionExtension = (attention: NonNullable<FhirSourceEntry['attention']>): Extension => ({
  url: ATTENTION_EXTENSION,
  extension: [
    { url: 'role', valueCode: attention.role },
    {
      url: 'organisation',
      valueIdentifier: { system: ODS_ORGANISATION_SYSTEM, value: attention.organisation },
    },
    ...(attention.reason === null ? [] : [{ url: 'reason', valueString: attention.reason }]),
  ],
});

function metaOf(entry: FhirSourceEntry): Meta {
  return {
    versionId: String(entry.versions ?? 1),
    lastUpdated: isoOf(entry.amendedAt ?? entry.recordedAt),
    tag: [{ system: ENTRY_TYPE_SYSTEM, code: entry.type }],
    security: securityLabels(entry.sensitivity),
  };
}

/**
 * A held result (RESULT_RELEASE_POLICY) as a patient or carer is shown it: registered, its
 * label and message only; nothing of the test, value or interpretation.
 */
function heldObservation(entry: FhirSourceEntry, subject: Reference<Patient>): Observation {
  const label = typeof entry.payload['label'] === 'string' ? entry.payload['label'] : 'Test result';
  const message = typeof entry.payload['message'] === 'string' ? entry.payload['message'] : label;
  return {
    resourceType: 'Observation',
    id: entry.eventId,
    meta: metaOf(entry),
    identifier: [{ system: ENTRY_ID_SYSTEM, value: entry.eventId }],
    status: 'registered',
    code: textConcept(label),
    subject,
    effectiveDateTime: isoOf(entry.occurredAt),
    note: [{ text: message }],
  };
}

/**
 * An entry as its FHIR resource: the resource's id is the entry's event id; entered-in-error
 * entries carry FHIR's entered-in-error status. Null for entry types carelog does not serve
 * as FHIR (NOT_SERVED_AS_FHIR, each with its reason).
 */
export function entryToFhir(entry: FhirSourceEntry): Resource | null {
  if (!isMappedEntryType(entry.type)) return null;
  const subject = patientReference(entry.patient.nhsNumber);
  if (entry.type === 'TestResultRecorded' && isHeldResultPayload(entry.payload))
    return heldObservation(entry, subject);
  const context: MappingContext = {
    subject,
    occurredAt: isoOf(entry.occurredAt),
    recordedAt: isoOf(entry.recordedAt),
    enteredInError: entry.status === 'entered-in-error',
  };
  // The payload was checked against the type's schema when it was recorded: its generated
  // type is the payload's type (dates may arrive as ISO strings; isoOf reads both).
  const mapping = MAPPINGS[entry.type] as Mapping<unknown>;
  const { extension: own = [], ...resource } = mapping.toFhir(
    entry.payload,
    context,
  ) as Resource & {
    extension?: Extension[];
  };
  const extension = [...own, ...(entry.attention ? [attentionExtension(entry.attention)] : [])];
  return {
    ...resource,
    id: entry.eventId,
    meta: metaOf(entry),
    identifier: [{ system: ENTRY_ID_SYSTEM, value: entry.eventId }],
    ...(extension.length === 0 ? {} : { extension }),
  } as Resource;
}

/** The patient as carelog knows them: the NHS number, and nothing carelog does not hold. */
export const patientResource = (nhsNumber: string): Patient => ({
  resourceType: 'Patient',
  id: nhsNumber,
  identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
});

/** Who recorded an entry, for which organisation, through which system. */
export function provenanceOf(entry: FhirSourceEntry, resource: Resource): Provenance {
  return {
    resourceType: 'Provenance',
    id: entry.eventId,
    target: [{ reference: `${resource.resourceType}/${entry.eventId}` }],
    recorded: isoOf(entry.recordedAt),
    agent: [
      {
        type: category(PROVENANCE_AGENT_SYSTEM, 'author'),
        role: [category(CARELOG_ROLE_SYSTEM, entry.author.role)],
        who: {
          identifier: { system: USER_ID_SYSTEM, value: entry.author.userId },
          display: entry.author.profession,
        },
        onBehalfOf: organisationReference(entry.author.organisation),
      },
      ...(entry.source.system
        ? [
            {
              type: category(PROVENANCE_AGENT_SYSTEM, 'assembler'),
              who: { display: entry.source.system },
              onBehalfOf: organisationReference(entry.source.organisation),
            },
          ]
        : []),
    ],
  };
}

/** An entry flagged for attention, as the task it sets for the named role and organisation. */
export function attentionTaskOf(entry: FhirSourceEntry, resource: Resource): Task | null {
  if (!entry.attention) return null;
  return {
    resourceType: 'Task',
    id: entry.eventId,
    status: entry.status === 'entered-in-error' ? 'entered-in-error' : 'requested',
    intent: 'order',
    focus: { reference: `${resource.resourceType}/${entry.eventId}` },
    for: patientReference(entry.patient.nhsNumber),
    authoredOn: isoOf(entry.recordedAt),
    owner: organisationReference(entry.attention.organisation),
    ...(entry.attention.reason === null ? {} : { description: entry.attention.reason }),
    performerType: [category(CARELOG_ROLE_SYSTEM, entry.attention.role)],
  };
}
