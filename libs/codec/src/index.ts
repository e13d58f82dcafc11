export { EventCodec, type DecodedEvent } from './event-codec';
export {
  SchemaCatalogue,
  type SchemaVersion,
  fingerprintOf,
  parseAvroSchema,
} from './schema-catalogue';
export type { RecordEntryEvent } from './record-entry-event';
export { crc64Avro } from './crc64-avro';
export { schemasDir, loadEventCodec } from './default-codec';
