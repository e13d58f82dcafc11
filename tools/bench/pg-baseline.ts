import { ENTRY_TYPES } from '@carelog/domain';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import { Client } from 'pg';
import type { GeneratedEvent } from './generator';

/** Rows per INSERT statement (and transaction) in baseline B2. */
export const PG_BASELINE_BATCH = 5000;

const NOT_ENTRIES = new Set([
  'EntryEnteredInError',
  ...ENTRY_TYPES.filter((rule) => rule.consentDecision).map((rule) => rule.type),
]);

/**
 * Baseline B2: the same rows the projection writes (one history row per event, one record
 * row per new entry) into tables with the read model's own definition and indexes, by a
 * hand-written bulk insert over one plain `pg` connection: one unnest INSERT per table per
 * batch, one transaction per batch. Only the database round trips are timed; building the
 * rows is not, so B2 is the database's own ceiling for these rows.
 */
export async function rawBulkInsert(
  databaseUrl: string,
  schema: string,
  events: Iterable<GeneratedEvent>,
  onProgress: (rows: number) => void,
): Promise<{ events: number; rows: number; seconds: number }> {
  const prepare = readModelDataSource({
    url: databaseUrl,
    schema,
    applicationName: 'carelog-bench-b2',
    // The migration holds one connection for its lock and runs on another.
    poolSize: 2,
  });
  await prepare.initialize();
  await prepare.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migrateReadModel(prepare);
  await prepare.destroy();

  const client = new Client({
    connectionString: databaseUrl,
    application_name: 'carelog-bench-b2',
  });
  await client.connect();
  await client.query(`SET search_path = "${schema}"`);
  let timed = 0;
  let count = 0;
  let rows = 0;
  let batch: GeneratedEvent[] = [];
  const flush = async () => {
    const columns = {
      eventId: [] as string[],
      entryId: [] as string[],
      nhs: [] as string[],
      type: [] as string[],
      domain: [] as string[],
      version: [] as number[],
      occurred: [] as string[],
      recorded: [] as string[],
      source: [] as string[],
      author: [] as string[],
      sensitivity: [] as string[],
      attention: [] as Array<string | null>,
      payload: [] as string[],
      reason: [] as Array<string | null>,
      correlation: [] as string[],
      offset: [] as number[],
      entry: [] as boolean[],
    };
    for (const { domain, event } of batch) {
      columns.eventId.push(event.eventId);
      columns.entryId.push(event.supersedes?.eventId ?? event.eventId);
      columns.nhs.push(event.patient.nhsNumber);
      columns.type.push(event.type);
      columns.domain.push(domain);
      columns.version.push(event.schemaVersion);
      columns.occurred.push(event.occurredAt.toISOString());
      columns.recorded.push(event.recordedAt.toISOString());
      columns.source.push(JSON.stringify(event.source));
      columns.author.push(JSON.stringify(event.author));
      columns.sensitivity.push(JSON.stringify(event.sensitivity));
      columns.attention.push(event.attention ? JSON.stringify(event.attention) : null);
      columns.payload.push(JSON.stringify(event.payload));
      columns.reason.push(event.supersedes?.reason ?? null);
      columns.correlation.push(event.correlationId);
      columns.offset.push(count++);
      columns.entry.push(!event.supersedes && !NOT_ENTRIES.has(event.type));
    }
    const started = performance.now();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO entry_version (event_id, entry_id, nhs_number, entry_type, domain, schema_version, occurred_at,
         recorded_at, source, author, sensitivity, attention, payload, supersedes_reason, correlation_id, topic,
         kafka_partition, kafka_offset)
       SELECT e, i, n, t, d, v, o, r, s, a, ARRAY(SELECT jsonb_array_elements_text(se)), at, p, re, c, 'bench', 0, off
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[],
                   $8::timestamptz[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::jsonb[], $14::text[],
                   $15::text[], $16::bigint[]) AS u(e, i, n, t, d, v, o, r, s, a, se, at, p, re, c, off)`,
      [
        columns.eventId,
        columns.entryId,
        columns.nhs,
        columns.type,
        columns.domain,
        columns.version,
        columns.occurred,
        columns.recorded,
        columns.source,
        columns.author,
        columns.sensitivity,
        columns.attention,
        columns.payload,
        columns.reason,
        columns.correlation,
        columns.offset,
      ],
    );
    const entries = await client.query(
      `INSERT INTO record_entry (event_id, current_event_id, nhs_number, entry_type, domain, schema_version,
         occurred_at, recorded_at, source, author, sensitivity, attention, payload)
       SELECT e, e, n, t, d, v, o, r, s, a, ARRAY(SELECT jsonb_array_elements_text(se)), at, p
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                   $8::jsonb[], $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::boolean[])
         AS u(e, n, t, d, v, o, r, s, a, se, at, p, keep)
       WHERE keep`,
      [
        columns.eventId,
        columns.nhs,
        columns.type,
        columns.domain,
        columns.version,
        columns.occurred,
        columns.recorded,
        columns.source,
        columns.author,
        columns.sensitivity,
        columns.attention,
        columns.payload,
        columns.entry,
      ],
    );
    await client.query('COMMIT');
    timed += performance.now() - started;
    rows += batch.length + (entries.rowCount ?? 0);
    batch = [];
    onProgress(count);
  };
  try {
    for (const generated of events) {
      batch.push(generated);
      if (batch.length >= PG_BASELINE_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
  } finally {
    await client.end();
  }
  return { events: count, rows, seconds: timed / 1000 };
}
