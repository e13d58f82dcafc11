import { types, type Type } from 'avsc';
import {
  canonicalTerm,
  DATE_FIELD_RANGES,
  DEFAULT_DATE_RANGE,
  DomainError,
  EARLIEST_PLAUSIBLE_TIME,
  hasForbiddenCharacter,
  isUuid,
  MAX_CLOCK_SKEW_MS,
  NON_EMPTY_LISTS,
  parseDateTime,
  parseFullDate,
  parseNhsNumber,
  parseText,
  PAYLOAD_VOCABULARIES,
  type TextKind,
} from '@carelog/domain';
import { TimestampMillisType } from './timestamp-millis';

/**
 * Every value of an entry checked by what its schema says of the field (README: "Input
 * limits"). The schema gives the type; the field's doc says what kind of string it is ("Free
 * text, as written." may hold newlines; "ISO 8601 date (YYYY-MM-DD)" is a full-date); names
 * ending in NhsNumber are NHS numbers and names ending in EventId are UUIDs, wherever they
 * sit; closed vocabularies come from PAYLOAD_VOCABULARIES. avsc's own isValid then checks
 * types and undeclared fields (single-object.ts): these are the rules Avro cannot express.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** The longest list any entry may carry (coded items, readings, plan items, ...). */
export const MAX_LIST_ITEMS = 500;

const FREE_TEXT_DOC = /free text|as written|wrote it/i;
const FULL_DATE_DOC = /YYYY-MM-DD/;
/** Free text in the envelope that carries no doc saying so. */
const FREE_TEXT_FIELDS = new Set(['attention.reason']);

interface FieldContext {
  /** `<EntryType>.<path in the payload>` with list indexes left out, or the envelope path. */
  key: string;
  /** Where the value sits, as the API names it, e.g. payload.codedItems[2].display. */
  path: string;
  name: string;
  doc: string | undefined;
}

const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

function keyOf(eventType: string, path: string): string {
  const withoutIndexes = path.replace(/\[\d+\]/g, '');
  return withoutIndexes.startsWith('payload.')
    ? `${eventType}.${withoutIndexes.slice('payload.'.length)}`
    : withoutIndexes;
}

function textKindOf(field: FieldContext): TextKind {
  return FREE_TEXT_FIELDS.has(field.key) || FREE_TEXT_DOC.test(field.doc ?? '')
    ? 'free-text'
    : 'text';
}

type Visit = (type: Type, value: unknown, field: FieldContext) => unknown;

/** Walks a value by its Avro type, rebuilding it from what `visit` returns for each leaf. */
function walk(
  type: Type,
  value: unknown,
  field: FieldContext,
  eventType: string,
  visit: Visit,
): unknown {
  if (value === null || value === undefined) return value;
  if (type instanceof types.UnwrappedUnionType) {
    const branches = type.types.filter((candidate) => candidate.typeName !== 'null');
    const [only] = branches;
    return only && branches.length === 1 ? walk(only, value, field, eventType, visit) : value;
  }
  if (type instanceof types.RecordType) {
    if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return value;
    const record = value as Record<string, unknown>;
    // avsc's noUndeclaredFields looks names up in a plain object, so __proto__, constructor
    // or toString pass it as if declared (and are then silently dropped): checked here.
    const declared = new Set(type.fields.map((child) => child.name));
    const undeclared = Object.keys(record).find((key) => !declared.has(key));
    if (undeclared !== undefined)
      throw new DomainError(
        'invalid-event',
        `${undeclared} is not a field of ${type.name ?? 'this record'}`,
        join(field.path, undeclared),
      );
    const result: Record<string, unknown> = { ...record };
    for (const child of type.fields) {
      if (!(child.name in record)) continue;
      const path = join(field.path, child.name);
      result[child.name] = walk(
        child.type,
        record[child.name],
        {
          key: keyOf(eventType, path),
          path,
          name: child.name,
          doc: (child as { doc?: string }).doc,
        },
        eventType,
        visit,
      );
    }
    return result;
  }
  if (type instanceof types.ArrayType) {
    if (!Array.isArray(value)) return value;
    if (value.length > MAX_LIST_ITEMS)
      throw new DomainError(
        'too-many-items',
        `must have at most ${MAX_LIST_ITEMS} items`,
        field.path,
      );
    return value.map((item: unknown, index) =>
      walk(type.itemsType, item, { ...field, path: `${field.path}[${index}]` }, eventType, visit),
    );
  }
  return visit(type, value, field);
}

const rootField: FieldContext = { key: '', path: '', name: '', doc: undefined };

/**
 * An event as it arrives in JSON made into the values its schema holds: RFC 3339 date-times
 * become Dates (anything else is refused), strings are normalised to NFC, and terms of a
 * closed vocabulary are written as listed. Everything else passes unchanged, for
 * `checkBoundaryValues` and the schema check to judge.
 */
export function valuesFromJson<T>(eventType: Type, event: T & { type: string }): T {
  return walk(eventType, event, rootField, event.type, (type, value, field) => {
    if (type instanceof TimestampMillisType) {
      if (value instanceof Date) return value;
      return parseDateTime(value, field.path);
    }
    if (type.typeName !== 'string' || typeof value !== 'string') return value;
    // Left as sent for checkBoundaryValues to refuse (trimming must not hide a control character).
    if (hasForbiddenCharacter(value, textKindOf(field))) return value;
    const vocabulary = PAYLOAD_VOCABULARIES[field.key];
    if (vocabulary) return canonicalTerm(vocabulary, value) ?? value;
    return value.normalize('NFC');
  }) as T;
}

/**
 * Refuses what no entry may hold, with a DomainError naming the field: control characters,
 * text that is not NFC or too long, impossible or implausible dates, invalid NHS numbers and
 * ids, terms outside a closed vocabulary, overlong lists. Judged against the event's own
 * recordedAt, so that a replay reaches the same verdict.
 */
export function checkBoundaryValues(
  eventType: Type,
  event: { type: string; recordedAt: Date; payload?: unknown },
): void {
  const latestTime = new Date(event.recordedAt.getTime() + MAX_CLOCK_SKEW_MS);
  walk(eventType, event, rootField, event.type, (type, value, field) => {
    if (type instanceof TimestampMillisType) {
      // occurredAt has its own rule and codes (checkClinicalTime); recordedAt is our clock.
      // A payload time is something that happened, unless its field looks ahead (an expiry).
      const ahead = DATE_FIELD_RANGES[field.key];
      if (value instanceof Date && field.path.startsWith('payload.'))
        parseDateTime(value.toISOString(), field.path, {
          earliest: EARLIEST_PLAUSIBLE_TIME,
          latest: ahead ? new Date(latestTime.getTime() + ahead.daysAhead * DAY_MS) : latestTime,
        });
      return value;
    }
    if (type.typeName !== 'string' || typeof value !== 'string') return value;
    const kind = textKindOf(field);
    const text = parseText(value, field.path, kind);
    if (text !== value)
      throw new DomainError(
        'invalid-text',
        'must be in Unicode normalisation form NFC',
        field.path,
      );
    if (/nhsnumber$/i.test(field.name)) parseNhsNumber(value, field.path);
    else if ((field.name === 'eventId' || field.name.endsWith('EventId')) && !isUuid(value))
      throw new DomainError('invalid-id', 'must be a UUID', field.path);
    else if (FULL_DATE_DOC.test(field.doc ?? ''))
      parseFullDate(
        value,
        field.path,
        DATE_FIELD_RANGES[field.key] ?? DEFAULT_DATE_RANGE,
        event.recordedAt,
      );
    const vocabulary = PAYLOAD_VOCABULARIES[field.key];
    if (vocabulary && !vocabulary.includes(value))
      throw new DomainError('unknown-term', `must be one of ${vocabulary.join(', ')}`, field.path);
    return value;
  });
  checkNonEmptyLists(event);
}

/** A list that must name at least one term (NON_EMPTY_LISTS), absent or empty, is refused. */
function checkNonEmptyLists(event: { type: string; payload?: unknown }): void {
  for (const key of NON_EMPTY_LISTS) {
    const [type, name] = key.split('.') as [string, string];
    if (event.type !== type) continue;
    const payload = (event.payload ?? {}) as Record<string, unknown>;
    const list = payload[name];
    if (!Array.isArray(list) || list.length === 0) {
      const vocabulary = PAYLOAD_VOCABULARIES[key] ?? [];
      throw new DomainError(
        'empty-list',
        `must name at least one of ${vocabulary.join(', ')}`,
        `payload.${name}`,
      );
    }
  }
}
