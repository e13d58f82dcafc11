import { types, type Type } from 'avsc';
import { DomainError } from '@carelog/domain';
import { checkEncodedSize, validateRecordEntry } from './entry-validation';
import { payloadFromJson } from './json-values';
import type { RecordEntryEvent } from './generated/record-entry-events';
import type { UncheckedRecordEntryEvent } from './record-entry-event';
import type { SchemaCatalogue, SchemaVersion } from './schema-catalogue';

/** Avro single-object encoding: marker C3 01, 8-byte little-endian CRC-64-AVRO fingerprint, body. */
const MAGIC = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = MAGIC.length + 8;

/** The dotted path avsc reports, made precise when the fault is a field the schema lacks. */
function fieldAtFault(path: string[], value: unknown, type: Type): string {
  if (type instanceof types.RecordType && value !== null && typeof value === 'object') {
    const declared = new Set(type.fields.map((field) => field.name));
    const undeclared = Object.keys(value).find((key) => !declared.has(key));
    if (undeclared) return [...path, undeclared].join('.');
  }
  return path.join('.');
}

export interface DecodedEvent {
  /** Always in the shape of the current version of its type, whichever version wrote it. */
  event: RecordEntryEvent;
  writer: SchemaVersion;
}

export class EventCodec {
  constructor(readonly catalogue: SchemaCatalogue) {}

  /**
   * Checks the event against the current version of its type's schema and the domain rules
   * the schema cannot express, then encodes it. Every failure is a DomainError naming the field.
   */
  encode(event: UncheckedRecordEntryEvent): Buffer {
    const schema = this.catalogue.current(event.type);
    if (!schema)
      throw new DomainError('unknown-entry-type', `no schema for entry type ${event.type}`, 'type');
    validateRecordEntry(event);
    const bytes = this.encodeWith(schema, event);
    checkEncodedSize(bytes.length);
    return bytes;
  }

  /** The event with its payload converted from JSON (ISO date-times to Dates) for its current schema. */
  fromJson(event: UncheckedRecordEntryEvent): UncheckedRecordEntryEvent {
    const schema = this.catalogue.current(event.type);
    return schema ? { ...event, payload: payloadFromJson(schema.avroType, event.payload) } : event;
  }

  /** Encodes with one given version: for golden vectors and compatibility tests. */
  encodeWith(schema: SchemaVersion, event: UncheckedRecordEntryEvent): Buffer {
    const invalidPaths: string[] = [];
    // Undeclared fields are refused, not silently dropped: nothing a caller sent is lost unseen.
    schema.avroType.isValid(event, {
      noUndeclaredFields: true,
      errorHook: (path, value, type) => invalidPaths.push(fieldAtFault(path, value, type)),
    });
    if (invalidPaths.length > 0) {
      throw new DomainError(
        'invalid-event',
        `does not match schema ${schema.file}`,
        invalidPaths[0],
      );
    }
    const fingerprint = Buffer.alloc(8);
    fingerprint.writeBigUInt64LE(BigInt(`0x${schema.fingerprint}`));
    return Buffer.concat([MAGIC, fingerprint, schema.avroType.toBuffer(event)]);
  }

  /** Decodes a message written with any version kept in schemas/, into the current version. */
  decode(message: Buffer): DecodedEvent {
    if (message.length < HEADER_LENGTH || !message.subarray(0, 2).equals(MAGIC)) {
      throw new DomainError(
        'not-single-object-encoded',
        'message does not start with the Avro single-object marker C3 01',
      );
    }
    const fingerprint = message.readBigUInt64LE(2).toString(16).padStart(16, '0');
    const writer = this.catalogue.byFingerprintHex(fingerprint);
    if (!writer)
      throw new DomainError(
        'unknown-writer-schema',
        `no schema in schemas/ has fingerprint ${fingerprint}`,
      );
    const reader = this.catalogue.current(writer.type) ?? writer;
    const body = message.subarray(HEADER_LENGTH);
    try {
      const event = (
        reader === writer
          ? writer.avroType.fromBuffer(body)
          : reader.avroType.fromBuffer(body, reader.avroType.createResolver(writer.avroType))
      ) as RecordEntryEvent;
      return { event, writer };
    } catch (error) {
      throw new DomainError(
        'undecodable-event',
        `body does not decode with ${writer.file}: ${(error as Error).message}`,
      );
    }
  }
}
