/**
 * The code systems and identifier systems carelog's FHIR resources use: the NHS's where one
 * exists, carelog's own (under CARELOG_FHIR_BASE) for what only carelog has.
 */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const EPS_PRESCRIPTION_SYSTEM = 'https://fhir.nhs.uk/Id/prescription-order-number';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

export const CARELOG_FHIR_BASE = 'https://carelog.nhs.example/fhir';
/** An entry's event id as the resource's business identifier. */
export const ENTRY_ID_SYSTEM = `${CARELOG_FHIR_BASE}/Id/entry`;
/** A medicine's identity across prescribed, issued, dispensed, changed and stopped. */
export const MEDICATION_ID_SYSTEM = `${CARELOG_FHIR_BASE}/Id/medication`;
export const ENTRY_TYPE_SYSTEM = `${CARELOG_FHIR_BASE}/CodeSystem/entry-type`;
export const SENSITIVITY_SYSTEM = `${CARELOG_FHIR_BASE}/CodeSystem/sensitivity`;
export const CARELOG_ROLE_SYSTEM = `${CARELOG_FHIR_BASE}/CodeSystem/role`;
export const USER_ID_SYSTEM = `${CARELOG_FHIR_BASE}/Id/user`;
/** Payload fields with no FHIR element of their own, kept so that nothing is lost. */
export const ENTRY_DETAIL_EXTENSION = `${CARELOG_FHIR_BASE}/StructureDefinition/entry-detail`;
/** The entry's attention flag (who must act), also served as a Task. */
export const ATTENTION_EXTENSION = `${CARELOG_FHIR_BASE}/StructureDefinition/attention`;

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const OBSERVATION_CATEGORY_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/observation-category';
export const INTERPRETATION_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const CONDITION_CLINICAL_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VERIFICATION_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const CONDITION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/condition-category';
export const ALLERGY_CLINICAL_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical';
export const ALLERGY_VERIFICATION_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification';
export const COURSE_OF_THERAPY_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy';
export const FLAG_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/flag-category';
/** R4's standard extension pointing a Flag at the records behind it. */
export const FLAG_DETAIL_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/flag-detail';
export const PROVENANCE_AGENT_SYSTEM =
  'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
/** carelog's stable problem codes (README, "Errors"), in an OperationOutcome's details. */
export const PROBLEM_CODE_SYSTEM = 'https://carelog.dev/problems';
