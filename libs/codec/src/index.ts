export { EventCodec, type DecodedEvent } from './event-codec';
export {
  SchemaCatalogue,
  type SchemaVersion,
  fingerprintOf,
  parseAvroSchema,
} from './schema-catalogue';
export type { UncheckedRecordEntryEvent } from './record-entry-event';
export type * from './generated/record-entry-events';
export { ENTRY_TYPE_NAMES } from './generated/record-entry-events';
export { crc64Avro } from './crc64-avro';
export { schemasDir, loadEventCodec } from './default-codec';
export { validateRecordEntry, checkEncodedSize, MAX_ENCODED_BYTES } from './entry-validation';
export { checkFullTransitive, formatProblem, type CompatibilityProblem } from './compatibility';
export { generateEventTypes, GENERATED_TYPES_FILE } from './type-generator';
export { checkSchemas } from './schema-gate';
export * from './golden-vectors';
