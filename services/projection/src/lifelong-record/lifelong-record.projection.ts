import type { RecordEntryEvent } from '@carelog/codec';
import { ENTRY_TYPES } from '@carelog/domain';
import type { CareRelationshipRow, RecordEntryRow } from '@carelog/read-model';

/** Where an event was read from. */
export interface LogPosition {
  topic: string;
  partition: number;
  offset: string;
}

export interface ProjectedRows {
  entries: RecordEntryRow[];
  relationships: CareRelationshipRow[];
}

const startsRelationship = new Set(
  ENTRY_TYPES.filter((rule) => rule.relationship?.effect === 'starts').map((rule) => rule.type),
);

/** Pure: the read-model rows an ordered batch of events produces. */
export function projectEvents(
  events: ReadonlyArray<{ event: RecordEntryEvent; position: LogPosition }>,
): ProjectedRows {
  const entries: RecordEntryRow[] = [];
  const relationships: CareRelationshipRow[] = [];
  for (const { event, position } of events) {
    const domain = position.topic.split('.')[1] ?? 'unknown';
    entries.push({
      eventId: event.eventId,
      nhsNumber: event.patient.nhsNumber,
      entryType: event.type,
      domain,
      schemaVersion: event.schemaVersion,
      occurredAt: event.occurredAt,
      recordedAt: event.recordedAt,
      source: event.source,
      author: event.author,
      sensitivity: event.sensitivity,
      attention: event.attention,
      payload: event.payload,
      correlationId: event.correlationId,
      topic: position.topic,
      partition: position.partition,
      offset: position.offset,
    });
    if (startsRelationship.has(event.type)) {
      relationships.push({
        startedByEventId: event.eventId,
        nhsNumber: event.patient.nhsNumber,
        organisation: event.source.organisation,
        kind: `${domain}:${event.type}`,
        startedAt: event.occurredAt,
        endedAt: null,
      });
    }
  }
  return { entries, relationships };
}
