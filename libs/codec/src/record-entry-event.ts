/**
 * The envelope every record-entry event carries (DESIGN.md, "Event contract"), as decoded
 * by the codec. The Avro schemas in schemas/ are the source of truth; the codec checks every
 * event against its schema on the way in and out.
 */
export interface RecordEntryEvent<TPayload extends object = Record<string, unknown>> {
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
  payload: TPayload;
}
