import type { EntryTypeName } from '@carelog/domain';

type Instant = Date | string;

/**
 * An entry as the FHIR mapping reads it: a record-entry event, or an entry of the read model
 * as the record API shows it (times as ISO strings, with its status and versions).
 */
export interface FhirSourceEntry {
  eventId: string;
  type: string;
  patient: { nhsNumber: string };
  occurredAt: Instant;
  recordedAt: Instant;
  /** When the current version was recorded, if the entry has been amended. */
  amendedAt?: Instant | null;
  versions?: number;
  status?: 'current' | 'entered-in-error';
  source: { service?: string; organisation: string; system?: string };
  author: { userId: string; role: string; profession: string; organisation: string };
  sensitivity: readonly string[];
  attention: { role: string; organisation: string; reason: string | null } | null;
  payload: Record<string, unknown>;
}

/** What a FHIR resource says as a carelog entry: the body of `POST /v1/entries`. */
export interface EntryDraft {
  patient: { nhsNumber: string };
  type: EntryTypeName;
  occurredAt: string;
  payload: Record<string, unknown>;
  sensitivity: string[];
  attention: { role: string; organisation: string; reason: string | null } | null;
}

export const isoOf = (value: Instant): string =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();
