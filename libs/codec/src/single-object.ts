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
 * Decodes a message written with any version the catalogue keeps, into the current version
 * of its type. Every failure is a DomainError: the message can never be read.
 */
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
  const fingerprint = message.readBigUInt64LE(2).toString(16).padStart(16, '0');
  const writer = catalogue.byFingerprintHex(fingerprint);
  if (!writer)
    throw new DomainError(
      'unknown-writer-schema',
      `no schema in schemas/ has fingerprint ${fingerprint}`,
    );
  const reader = catalogue.current(writer.type) ?? writer;
  const body = message.subarray(HEADER_LENGTH);
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
