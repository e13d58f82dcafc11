import { types, type Type } from 'avsc';
import {
  type AnalyticsRecordEntry,
  type Fact,
  type RecordEntryEvent,
  type SchemaVersion,
} from '@carelog/codec';
import {
  isConsentDecisionType,
  isRole,
  isValidNhsNumber,
  LEGALLY_PROTECTED_CATEGORIES,
  type SourceDomain,
  isUuid,
} from '@carelog/domain';
import { coarsenDate, utcDay, type DatePrecision } from './coarse-dates';
import { CLOSED_LISTS, DATE_STRINGS } from './payload-vocabularies';
import type { PseudonymKey } from './pseudonym-key';

export interface FeedSettings {
  key: PseudonymKey;
  precision: DatePrecision;
}

/** A decoded record entry, where it was read, and the schema it now has (its type's current). */
export interface EntryToExport {
  event: RecordEntryEvent;
  /** The source domain of the topic it was read from: a correction has its original's. */
  setting: SourceDomain;
  schema: SchemaVersion;
}

/** Why an entry is not on the feed. */
export type ExclusionReason =
  | 'consent-decision'
  | 'legally-protected-category'
  | 'patient-sealed'
  | 'national-data-opt-out'
  | 'type-1-opt-out';

/** What the staging step keeps besides the feed event: enough to decide and to count. */
export interface AnalyticsCandidate {
  entry: AnalyticsRecordEntry;
  setting: SourceDomain;
  /** UTC day of clinical time, for the commissioners' counts (never on the feed itself). */
  clinicalDay: number;
}

/**
 * Code systems whose codes are kept, each with the shape a real code has. A code of another
 * system, or of the wrong shape, is dropped: a "code" is free text unless we can tell it isn't.
 */
const CODE_SYSTEMS: Record<string, RegExp> = {
  'http://snomed.info/sct': /^\d{6,18}$/,
  'https://dmd.nhs.uk': /^\d{6,18}$/,
};

/**
 * Envelope strings are stamped by the producers from verified tokens, but the feed still
 * takes only values of the expected shape: anything else becomes `unknown`.
 */
const ODS_CODE = /^[A-Z0-9]{3,12}$/;
const SLUG = /^[a-z][a-z-]{0,39}$/;
const shaped = (value: string, shape: RegExp): string => (shape.test(value) ? value : 'unknown');

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const isCodedRecord = (type: types.RecordType): boolean => {
  const names = type.fields.map((field) => field.name);
  return names.includes('system') && names.includes('code') && names.length <= 3;
};

/** The schema's type for a non-null value of a union: the branch the value is valid for. */
const branchFor = (type: Type, value: unknown): Type | undefined =>
  type instanceof types.UnwrappedUnionType || type instanceof types.WrappedUnionType
    ? type.types.find((branch) => branch.typeName !== 'null' && branch.isValid(value))
    : type;

class FactWalker {
  readonly facts: Fact[] = [];

  constructor(
    private readonly settings: FeedSettings,
    private readonly entryType: string,
    /** Every NHS number the event holds: no fact may repeat one in any form. */
    private readonly nhsNumbers: readonly string[],
  ) {}

  private add(field: string, value: Partial<Omit<Fact, 'field'>>): void {
    this.facts.push({
      field,
      coded: null,
      number: null,
      flag: null,
      date: null,
      term: null,
      reference: null,
      ...value,
    });
  }

  private repeatsAnNhsNumber(digits: string): boolean {
    return this.nhsNumbers.some((nhsNumber) => digits.includes(nhsNumber));
  }

  walk(type: Type, value: unknown, path: string, fieldName: string): void {
    if (value === null || value === undefined) return;
    const concrete = branchFor(type, value);
    if (!concrete) return;
    if (value instanceof Date) {
      this.add(path, { date: coarsenDate(value, this.settings.precision) });
    } else if (concrete instanceof types.RecordType) {
      if (isCodedRecord(concrete)) this.coded(path, value as Record<string, unknown>);
      else {
        const record = value as Record<string, unknown>;
        for (const field of concrete.fields) {
          this.walk(
            field.type,
            record[field.name],
            path ? `${path}.${field.name}` : field.name,
            field.name,
          );
        }
      }
    } else if (concrete instanceof types.ArrayType) {
      (value as unknown[]).forEach((item, index) =>
        this.walk(concrete.itemsType, item, `${path}[${index}]`, fieldName),
      );
    } else if (concrete instanceof types.EnumType) {
      if (typeof value === 'string' && concrete.symbols.includes(value))
        this.add(path, { term: value });
    } else if (typeof value === 'boolean') {
      this.add(path, { flag: value });
    } else if (typeof value === 'number') {
      // A number can hold an NHS number as well as a string can.
      if (Number.isFinite(value) && !this.repeatsAnNhsNumber(String(value)))
        this.add(path, { number: value });
    } else if (typeof value === 'string') {
      this.text(path, fieldName, value);
    }
    // bytes, fixed and maps carry nothing the feed needs: left out.
  }

  private coded(path: string, coded: Record<string, unknown>): void {
    const { system, code } = coded;
    if (typeof system !== 'string' || typeof code !== 'string') return;
    const shape = CODE_SYSTEMS[system];
    if (!shape?.test(code) || this.repeatsAnNhsNumber(code)) return;
    this.add(path, { coded: { system, code } });
  }

  private text(path: string, fieldName: string, value: string): void {
    if (/NhsNumber$/.test(fieldName)) {
      if (isValidNhsNumber(value)) this.add(path, { reference: this.settings.key.patient(value) });
      return;
    }
    // A boolean, not the type guard: a string that is not a UUID is still a string.
    const entryId: boolean = isUuid(value);
    if (entryId) {
      this.add(path, { reference: this.settings.key.entry(value) });
      return;
    }
    const field = `${this.entryType}.${path}`;
    if (CLOSED_LISTS[field]?.includes(value)) this.add(path, { term: value });
    else if (DATE_STRINGS.has(field) && ISO_DATE.test(value)) {
      const date = new Date(`${value}T00:00:00.000Z`);
      if (!Number.isNaN(date.getTime()) && date.toISOString().startsWith(value))
        this.add(path, { date: coarsenDate(date, this.settings.precision) });
    }
  }
}

/** NHS numbers in the payload's NHS-number fields (a baby's, a child's), whatever their validity. */
function payloadNhsNumbers(value: unknown, key = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => payloadNhsNumbers(item, key));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.entries(value).flatMap(([inner, innerValue]) =>
      payloadNhsNumbers(innerValue, inner),
    );
  }
  return typeof value === 'string' && /NhsNumber$/.test(key) ? [value.replace(/\D/g, '')] : [];
}

/**
 * The entry as the analytics feed carries it, or why it is left out whoever the patient is.
 * Pure: everything it needs comes in, nothing goes out but the result.
 *
 * Kept: entry type, setting, organisation, the author's role, profession and organisation,
 * coarsened dates, and from the payload only what its schema shows is safe (codes of known
 * systems, numbers, yes/no values, dates, enum symbols, values of the closed lists in
 * payload-vocabularies.ts) plus pseudonymised references.
 * Dropped: the NHS number (replaced by a keyed pseudonym), event ids (pseudonymised), the
 * author's user id, correlation ids, the attention note, amendment reasons and every free
 * string. Consent decisions and entries of legally protected or patient-sealed categories
 * are left out altogether.
 */
export function toAnalyticsCandidate(
  input: EntryToExport,
  settings: FeedSettings,
): { candidate: AnalyticsCandidate } | { excluded: ExclusionReason } {
  const { event, setting, schema } = input;
  if (isConsentDecisionType(event.type)) return { excluded: 'consent-decision' };
  const sensitivity: readonly string[] = event.sensitivity;
  if (
    sensitivity.some((category) =>
      (LEGALLY_PROTECTED_CATEGORIES as readonly string[]).includes(category),
    )
  )
    return { excluded: 'legally-protected-category' };
  if (sensitivity.includes('patient-sealed')) return { excluded: 'patient-sealed' };

  const nhsNumbers = [event.patient.nhsNumber, ...payloadNhsNumbers(event.payload)].filter(
    (digits) => digits.length >= 6,
  );
  const walker = new FactWalker(settings, event.type, nhsNumbers);
  const payloadField =
    schema.avroType instanceof types.RecordType
      ? schema.avroType.fields.find((field) => field.name === 'payload')
      : undefined;
  if (payloadField) walker.walk(payloadField.type, event.payload, '', 'payload');

  const { key, precision } = settings;
  return {
    candidate: {
      setting,
      clinicalDay: utcDay(event.occurredAt),
      entry: {
        analyticsId: key.entry(event.eventId),
        keyId: key.keyId,
        patientPseudonym: key.patient(event.patient.nhsNumber),
        entryType: event.type,
        sourceSchemaVersion: event.schemaVersion,
        setting,
        organisation: shaped(event.source.organisation, ODS_CODE),
        authorRole: isRole(event.author.role) ? event.author.role : 'unknown',
        authorProfession: shaped(event.author.profession, SLUG),
        authorOrganisation: shaped(event.author.organisation, ODS_CODE),
        datePrecision: precision,
        occurredIn: coarsenDate(event.occurredAt, precision),
        recordedIn: coarsenDate(event.recordedAt, precision),
        sensitivity: [...sensitivity],
        supersedes: event.supersedes ? key.entry(event.supersedes.eventId) : null,
        facts: walker.facts,
      },
    },
  };
}
