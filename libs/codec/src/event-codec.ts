import { DomainError } from '@carelog/domain';
import { checkEncodedSize, validateRecordEntry } from './entry-validation';
import { checkBoundaryValues, valuesFromJson } from './boundary-values';
import {
  decodeFramed,
  firstInvalidField,
  frameSingleObject,
  type WriterLookup,
} from './single-object';
import type { RecordEntryEvent } from './generated/record-entry-events';
import type { UncheckedRecordEntryEvent } from './record-entry-event';
import type { SchemaCatalogue, SchemaVersion } from './schema-catalogue';

export interface DecodedEvent {
  /** Always in the shape of the current version of its type, whichever version wrote it. */
  event: RecordEntryEvent;
  writer: SchemaVersion;
}

export class EventCodec {
  /** Schema ids a Schema Registry gave writer schemas of this catalogue (Confluent framing). */
  private readonly schemaIds = new Map<number, SchemaVersion>();

  constructor(readonly catalogue: SchemaCatalogue) {}

  /** Notes the id a registry gave a writer schema, so messages framed with it decode. */
  rememberSchemaId(id: number, writer: SchemaVersion): void {
    this.schemaIds.set(id, writer);
  }

  knowsSchemaId(id: number): boolean {
    return this.schemaIds.has(id);
  }

  /**
   * Checks the event against the current version of its type's schema and the domain rules
   * the schema cannot express, then encodes it. Every failure is a DomainError naming the field.
   */
  encode(event: UncheckedRecordEntryEvent): Buffer {
    const schema = this.catalogue.current(event.type);
    if (!schema)
      throw new DomainError('unknown-entry-type', `no schema for entry type ${event.type}`, 'type');
    validateRecordEntry(event);
    checkBoundaryValues(schema.avroType, event);
    const bytes = this.encodeWith(schema, event);
    checkEncodedSize(bytes.length);
    return bytes;
  }

  /**
   * The event as JSON gave it, converted for its current schema: RFC 3339 date-times to Dates,
   * strings to NFC, closed-vocabulary terms as listed (boundary-values.ts).
   */
  fromJson(event: UncheckedRecordEntryEvent): UncheckedRecordEntryEvent {
    const schema = this.catalogue.current(event.type);
    return schema ? valuesFromJson(schema.avroType, event) : event;
  }

  /** Encodes with one given version: for golden vectors and compatibility tests. */
  encodeWith(schema: SchemaVersion, event: UncheckedRecordEntryEvent): Buffer {
    const invalidField = firstInvalidField(schema, event);
    if (invalidField !== undefined) {
      throw new DomainError('invalid-event', `does not match schema ${schema.file}`, invalidField);
    }
    return frameSingleObject(schema, schema.avroType.toBuffer(event));
  }

  /**
   * Decodes a message written with any version kept in schemas/, into the current version, in
   * either framing (single-object, or Confluent's with a schema id this codec knows or the
   * writer's fingerprint given from the message's header).
   */
  decode(message: Buffer, hint: Pick<WriterLookup, 'fingerprint'> = {}): DecodedEvent {
    const { value, writer } = decodeFramed(this.catalogue, message, {
      bySchemaId: (id) => this.schemaIds.get(id),
      fingerprint: hint.fingerprint,
    });
    return { event: value as RecordEntryEvent, writer };
  }
}
