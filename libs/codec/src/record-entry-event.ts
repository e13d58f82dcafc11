import type {
  EntryTypeName,
  RecordEntryEvent,
  RecordEntryEventOf,
} from './generated/record-entry-events';

/**
 * The shape every record-entry event shares (docs/architecture.md, "Event contract"), with the type and
 * payload not yet checked against a schema: what a producer builds before encoding. Decoded
 * events have the precise generated types (generated/record-entry-events.ts).
 */
export interface UncheckedRecordEntryEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  patient: { nhsNumber: string };
  occurredAt: Date;
  recordedAt: Date;
  source: { service: string; organisation: string; system: string };
  author: { userId: string; role: string; profession: string; organisation: string };
  sensitivity: string[];
  attention: { role: string; organisation: string; reason: string | null } | null;
  correlationId: string;
  causationId: string | null;
  supersedes: { eventId: string; reason: string } | null;
  payload: Record<string, unknown>;
}

/**
 * Some fields of a decoded record-entry event, still told apart by its type: narrowing on
 * `type` narrows `payload` to that type's schema (a plain `Pick` of the union would not).
 */
export type RecordEntryEventFields<K extends keyof RecordEntryEvent> = {
  [T in EntryTypeName]: Pick<RecordEntryEventOf<T>, K | 'type'>;
}[EntryTypeName];
