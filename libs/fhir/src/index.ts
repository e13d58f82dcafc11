export * from './fhir-terms';
export type { EntryDraft, FhirSourceEntry } from './fhir-entry';
export {
  attentionTaskOf,
  ENTRY_TYPES_BY_RESOURCE,
  entryToFhir,
  isMappedEntryType,
  MAPPED_ENTRY_TYPES,
  NOT_SERVED_AS_FHIR,
  patientReference,
  patientResource,
  provenanceOf,
  resourceTypeOf,
  securityLabels,
  type MappedEntryType,
} from './to-fhir';
export { fhirToEntry } from './from-fhir';
export * from './fhir-read';
export * from './fhir-write';
