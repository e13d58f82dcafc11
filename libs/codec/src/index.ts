export { EventCodec, type DecodedEvent } from './event-codec';
export {
  ANALYTICS_FAMILY,
  ANALYTICS_SCHEMA_FOLDER,
  AUDIT_FAMILY,
  AUDIT_SCHEMA_FOLDER,
  RECORD_ENTRY_FAMILY,
  type SchemaFamily,
  SchemaCatalogue,
  type SchemaVersion,
  fingerprintOf,
  parseAvroSchema,
} from './schema-catalogue';
export type { RecordEntryEventFields, UncheckedRecordEntryEvent } from './record-entry-event';
export type * from './generated/record-entry-events';
export { ENTRY_TYPE_NAMES } from './generated/record-entry-events';
export { crc64Avro } from './crc64-avro';
export { schemasDir, loadEventCodec } from './default-codec';
export { validateRecordEntry, checkEncodedSize, MAX_ENCODED_BYTES } from './entry-validation';
export { checkBoundaryValues, valuesFromJson, MAX_LIST_ITEMS } from './boundary-values';
export { payloadJsonSchema, type JsonSchema } from './payload-json-schema';
export { checkFullTransitive, formatProblem, type CompatibilityProblem } from './compatibility';
export {
  generateEventTypes,
  generateEntryTypeNames,
  generateAnalyticsTypes,
  generateAuditTypes,
  GENERATED_TYPES_FILE,
  GENERATED_ENTRY_TYPE_NAMES_FILE,
  GENERATED_ANALYTICS_TYPES_FILE,
  GENERATED_AUDIT_TYPES_FILE,
} from './type-generator';
export { AnalyticsCodec, AuditCodec, loadAnalyticsCodec, loadAuditCodec } from './analytics-codec';
export { FamilyCodec } from './family-codec';
export type * from './generated/analytics-events';
export { ANALYTICS_EVENT_NAMES } from './generated/analytics-events';
export type * from './generated/audit-events';
export { AUDIT_EVENT_NAMES } from './generated/audit-events';
export {
  confluentSchemaId,
  decodeFramed,
  decodeSingleObject,
  frameSingleObject,
  singleObjectFingerprint,
  singleObjectToConfluent,
  type WriterLookup,
} from './single-object';
export { checkSchemas } from './schema-gate';
export * from './golden-vectors';
