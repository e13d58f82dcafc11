import { types, type Type } from 'avsc';
import { parseDateTime } from '@carelog/domain';
import { TimestampMillisType } from './timestamp-millis';

/**
 * Turns a value as it arrives in JSON into the value the schema expects: timestamp-millis
 * fields arrive as ISO 8601 strings and become Dates. Everything else passes unchanged (the
 * schema check that follows names anything still wrong).
 */
export function fromJsonValue(type: Type, value: unknown, path: string): unknown {
  if (type instanceof TimestampMillisType) {
    return typeof value === 'string' ? parseDateTime(value, path) : value;
  }
  if (value === null || value === undefined) return value;
  if (type instanceof types.RecordType && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const result: Record<string, unknown> = { ...record };
    for (const field of type.fields) {
      if (field.name in record)
        result[field.name] = fromJsonValue(field.type, record[field.name], `${path}.${field.name}`);
    }
    return result;
  }
  if (type instanceof types.ArrayType && Array.isArray(value)) {
    return value.map((item, index) => fromJsonValue(type.itemsType, item, `${path}[${index}]`));
  }
  if (type instanceof types.UnwrappedUnionType) {
    const branch = type.types.find((candidate) => candidate.typeName !== 'null');
    return branch && type.types.length === 2 ? fromJsonValue(branch, value, path) : value;
  }
  return value;
}

/** The payload of an event, converted from JSON with its type's current schema. */
export function payloadFromJson(
  eventType: Type,
  payload: Record<string, unknown>,
): Record<string, unknown> {
  if (!(eventType instanceof types.RecordType)) return payload;
  const field = eventType.fields.find((candidate) => candidate.name === 'payload');
  return field
    ? (fromJsonValue(field.type, payload, 'payload') as Record<string, unknown>)
    : payload;
}
