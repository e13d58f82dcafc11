import { types, type Type } from 'avsc';
import { NON_EMPTY_LISTS, PAYLOAD_VOCABULARIES, TEXT_LIMITS } from '@carelog/domain';
import { MAX_LIST_ITEMS } from './boundary-values';
import { TimestampMillisType } from './timestamp-millis';

/** An OpenAPI 3.0 schema object, as plain data (the codec knows nothing of the HTTP layer). */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  pattern?: string;
  enum?: readonly string[];
  nullable?: boolean;
  description?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

const FULL_DATE_DOC = /YYYY-MM-DD/;
const FREE_TEXT_DOC = /free text|as written|wrote it/i;
const INT_RANGE = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const SAFE_LONG = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

interface Field {
  /** `<EntryType>.<path in the payload>`, list indexes left out (PAYLOAD_VOCABULARIES' keys). */
  key: string;
  name: string;
  doc: string | undefined;
}

function leafSchema(type: Type, field: Field): JsonSchema {
  if (type instanceof TimestampMillisType) return { type: 'string', format: 'date-time' };
  switch (type.typeName) {
    case 'boolean':
      return { type: 'boolean' };
    case 'int':
      return { type: 'integer', ...INT_RANGE };
    case 'long':
      return { type: 'integer', ...SAFE_LONG };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'enum':
      return { type: 'string', enum: (type as types.EnumType).symbols };
  }
  const vocabulary = PAYLOAD_VOCABULARIES[field.key];
  if (vocabulary) return { type: 'string', enum: vocabulary };
  if (/nhsnumber$/i.test(field.name))
    return { type: 'string', pattern: '^\\d{10}$', format: 'nhs-number' };
  if (
    field.name === 'eventId' ||
    field.name.endsWith('EventId') ||
    type.typeName === 'logical:uuid'
  )
    return { type: 'string', format: 'uuid' };
  if (FULL_DATE_DOC.test(field.doc ?? '')) return { type: 'string', format: 'date' };
  // The format names the text kind (libs/domain/src/boundary/text.ts): which characters it refuses.
  const kind = FREE_TEXT_DOC.test(field.doc ?? '') ? 'free-text' : 'text';
  return {
    type: 'string',
    format: kind,
    maxLength: TEXT_LIMITS[kind],
    ...(field.doc ? { description: field.doc } : {}),
  };
}

function schemaOf(type: Type, field: Field): JsonSchema {
  if (type instanceof types.UnwrappedUnionType) {
    const branches = type.types.filter((candidate) => candidate.typeName !== 'null');
    const [only] = branches;
    const nullable = branches.length < type.types.length;
    return only && branches.length === 1
      ? { ...schemaOf(only, field), ...(nullable ? { nullable: true } : {}) }
      : {};
  }
  if (type instanceof types.RecordType) {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const child of type.fields) {
      const key = `${field.key}.${child.name}`;
      properties[child.name] = schemaOf(child.type, {
        key,
        name: child.name,
        doc: (child as { doc?: string }).doc,
      });
      const nonEmpty = (NON_EMPTY_LISTS as readonly string[]).includes(key);
      if (child.defaultValue() === undefined || nonEmpty) required.push(child.name);
    }
    return {
      type: 'object',
      required,
      properties,
      additionalProperties: false,
      ...(field.doc ? { description: field.doc } : {}),
    };
  }
  if (type instanceof types.ArrayType) {
    const nonEmpty = (NON_EMPTY_LISTS as readonly string[]).includes(field.key);
    return {
      type: 'array',
      items: schemaOf(type.itemsType, field),
      maxItems: MAX_LIST_ITEMS,
      ...(nonEmpty ? { minItems: 1 } : {}),
    };
  }
  return leafSchema(type, field);
}

/**
 * The JSON schema of an entry type's payload as its request carries it, from its current Avro
 * schema and the boundary rules the codec checks it by (closed vocabularies, lists that must
 * name something, NHS numbers, ids, dates, text limits): the one description of a payload the
 * OpenAPI documents use.
 */
export function payloadJsonSchema(eventType: Type, entryType: string): JsonSchema {
  if (!(eventType instanceof types.RecordType)) return { type: 'object' };
  const payload = eventType.fields.find((field) => field.name === 'payload');
  return payload
    ? schemaOf(payload.type, { key: entryType, name: 'payload', doc: undefined })
    : { type: 'object' };
}
