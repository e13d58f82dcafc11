import { STATE_ENTRY_TYPES } from '@carelog/domain';
import type { DataSource } from 'typeorm';

export interface EntryAsAt {
  /** The entry's id: the event that first recorded it. */
  entryId: string;
  /** The version current at that moment. */
  eventId: string;
  entryType: string;
  domain: string;
  occurredAt: Date;
  recordedAt: Date;
  sensitivity: string[];
  source: { service: string; organisation: string; system: string };
  author: { userId: string; role: string; profession: string; organisation: string };
  attention: { role: string; organisation: string; reason: string | null } | null;
  payload: Record<string, unknown>;
}

/**
 * The patient's record as carelog held it at `asAt` (system time): each entry recorded by
 * then, in the version current then, without those marked entered in error by then. Rebuilt
 * from the history, so it is the same whenever it is asked.
 */
export async function recordAsAt(
  dataSource: DataSource,
  nhsNumber: string,
  asAt: Date,
): Promise<EntryAsAt[]> {
  const rows = await dataSource.query<
    Array<{
      entry_id: string;
      event_id: string;
      entry_type: string;
      domain: string;
      occurred_at: Date;
      recorded_at: Date;
      sensitivity: string[];
      source: EntryAsAt['source'];
      author: EntryAsAt['author'];
      attention: EntryAsAt['attention'];
      payload: Record<string, unknown>;
    }>
  >(
    `SELECT * FROM (
       SELECT DISTINCT ON (v.entry_id) v.*
       FROM entry_version v
       WHERE v.nhs_number = $1 AND v.recorded_at <= $2 AND v.entry_type <> ALL($3::text[])
         AND NOT EXISTS (
           SELECT 1 FROM entry_version e
           WHERE e.entry_id = v.entry_id AND e.entry_type = 'EntryEnteredInError' AND e.recorded_at <= $2)
       ORDER BY v.entry_id, v.recorded_at DESC, v.kafka_offset DESC
     ) current_then
     ORDER BY occurred_at, entry_id`,
    [nhsNumber, asAt, STATE_ENTRY_TYPES],
  );
  return rows.map((row) => ({
    entryId: row.entry_id,
    eventId: row.event_id,
    entryType: row.entry_type,
    domain: row.domain,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    sensitivity: row.sensitivity,
    source: row.source,
    author: row.author,
    attention: row.attention,
    payload: row.payload,
  }));
}
