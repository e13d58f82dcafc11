import { types, type Type } from 'avsc';
import { DomainError } from '@carelog/domain';
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

/**
 * The first field at which `value` does not match `schema`, or undefined if it matches.
 * Undeclared fields are refused, not silently dropped: nothing a caller sent is lost unseen.
 */
export function firstInvalidField(schema: SchemaVersion, value: unknown): string | undefined {
  const invalidPaths: string[] = [];
  schema.avroType.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path, inner, type) => invalidPaths.push(fieldAtFault(path, inner, type)),
  });
  return invalidPaths[0];
}

/** The message for a body already written with `schema`. */
export function frameSingleObject(schema: SchemaVersion, body: Buffer): Buffer {
  const fingerprint = Buffer.alloc(8);
  fingerprint.writeBigUInt64LE(BigInt(`0x${schema.fingerprint}`));
  return Buffer.concat([MAGIC, fingerprint, body]);
}

/**
 * The Confluent wire format a Schema Registry's clients use: magic byte 0, the schema id the
 * registry gave the writer schema (4 bytes, big-endian), the body.
 */
const CONFLUENT_MAGIC = 0x00;
const CONFLUENT_HEADER_LENGTH = 5;

/** The writer schema's fingerprint a single-object message names, as 16 hex digits. */
export const singleObjectFingerprint = (message: Buffer): string =>
  message.readBigUInt64LE(2).toString(16).padStart(16, '0');

/** The same body in the Confluent wire format, under the id the registry gave its schema. */
export function singleObjectToConfluent(message: Buffer, schemaId: number): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_LENGTH);
  header.writeUInt8(CONFLUENT_MAGIC, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, message.subarray(HEADER_LENGTH)]);
}

/** The schema id of a Confluent-framed message, or undefined if it is not one. */
export const confluentSchemaId = (message: Buffer): number | undefined =>
  message.length >= CONFLUENT_HEADER_LENGTH && message[0] === CONFLUENT_MAGIC
    ? message.readUInt32BE(1)
    : undefined;

/** How a consumer finds the writer schema of a Confluent-framed message. */
export interface WriterLookup {
  /** A schema id the registry has answered for (or this process registered). */
  bySchemaId?(id: number): SchemaVersion | undefined;
  /** The `carelog-schema-fingerprint` header the message carries, if any. */
  fingerprint?: string | undefined;
}

/**
 * Decodes a message written with any version the catalogue keeps, into the current version
 * of its type, in either framing: single-object (C3 01 + fingerprint) or the Confluent wire
 * format (0 + schema id), whose writer is found by schema id or by the fingerprint header.
 * Every failure is a DomainError: the message can never be read.
 */
export function decodeFramed(
  catalogue: SchemaCatalogue,
  message: Buffer,
  lookup: WriterLookup = {},
): { value: unknown; writer: SchemaVersion } {
  const schemaId = confluentSchemaId(message);
  if (schemaId === undefined) return decodeSingleObject(catalogue, message);
  const writer =
    lookup.bySchemaId?.(schemaId) ??
    (lookup.fingerprint ? catalogue.byFingerprintHex(lookup.fingerprint) : undefined);
  if (!writer)
    throw new DomainError(
      'unknown-schema-id',
      `schema id ${schemaId} is not known here and the message names no known fingerprint`,
    );
  return decodeBody(catalogue, writer, message.subarray(CONFLUENT_HEADER_LENGTH));
}

/** Decodes a single-object encoded message (see decodeFramed for both framings). */
export function decodeSingleObject(
  catalogue: SchemaCatalogue,
  message: Buffer,
): { value: unknown; writer: SchemaVersion } {
  if (message.length < HEADER_LENGTH || !message.subarray(0, 2).equals(MAGIC)) {
    throw new DomainError(
      'not-single-object-encoded',
      'message does not start with the Avro single-object marker C3 01',
    );
  }
  const fingerprint = singleObjectFingerprint(message);
  const writer = catalogue.byFingerprintHex(fingerprint);
  if (!writer)
    throw new DomainError(
      'unknown-writer-schema',
      `no schema in schemas/ has fingerprint ${fingerprint}`,
    );
  return decodeBody(catalogue, writer, message.subarray(HEADER_LENGTH));
}

function decodeBody(
  catalogue: SchemaCatalogue,
  writer: SchemaVersion,
  body: Buffer,
): { value: unknown; writer: SchemaVersion } {
  const reader = catalogue.current(writer.type) ?? writer;
  try {
    const value: unknown =
      reader === writer
        ? writer.avroType.fromBuffer(body)
        : reader.avroType.fromBuffer(body, reader.avroType.createResolver(writer.avroType));
    return { value, writer };
  } catch (error) {
    throw new DomainError(
      'undecodable-event',
      `body does not decode with ${writer.file}: ${(error as Error).message}`,
    );
  }
}
