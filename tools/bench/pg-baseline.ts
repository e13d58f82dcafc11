import { CONSENT_DECISION_TYPES, RULE_PAYLOAD_FIELDS } from '@carelog/domain';
import {
  migrateReadModel,
  readModelDataSource,
  rulePayloadSql,
  sortedCategoriesSql,
} from '@carelog/read-model';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { GeneratedEvent } from './generator';

/** Rows per INSERT statement (and transaction) in baseline B2. */
export const PG_BASELINE_BATCH = 5000;

const NOT_ENTRIES = new Set<string>(['EntryEnteredInError', ...CONSENT_DECISION_TYPES]);

/** A fresh schema with the read model's own tables and indexes, and a client set to it. */
async function baselineTables(
  databaseUrl: string,
  schema: string,
  applicationName: string,
): Promise<Client> {
  const prepare = readModelDataSource({
    url: databaseUrl,
    schema,
    applicationName,
    // The migration holds one connection for its lock and runs on another.
    poolSize: 2,
  });
  await prepare.initialize();
  await prepare.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await migrateReadModel(prepare);
  await prepare.destroy();
  const client = new Client({ connectionString: databaseUrl, application_name: applicationName });
  await client.connect();
  await client.query(`SET search_path = "${schema}"`);
  return client;
}

/**
 * Baseline B2: the same rows the projection writes (one history row per event, one record
 * row per new entry, with the facts record_summary counts them by, counted by its insert
 * trigger) into tables with the read model's own definition and indexes, by a hand-written
 * bulk insert over one plain `pg` connection: one unnest INSERT per table per batch, one
 * transaction per batch. Only the database round trips are timed; building the
 * rows is not, so B2 is the database's own ceiling for these rows.
 */
export async function rawBulkInsert(
  databaseUrl: string,
  schema: string,
  events: Iterable<GeneratedEvent>,
  onProgress: (rows: number) => void,
): Promise<{ events: number; rows: number; seconds: number }> {
  const client = await baselineTables(databaseUrl, schema, 'carelog-bench-b2');
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
      `INSERT INTO record_entry (event_id, current_event_id, nhs_number, entry_type, domain,
         schema_version, occurred_at, recorded_at, source, author, sensitivity, attention, payload, sensitivity_ever,
         rule_payload)
       SELECT e, e, n, t, d, v, o, r, s, a, ARRAY(SELECT jsonb_array_elements_text(se)), at, p,
              ${sortedCategoriesSql('ARRAY(SELECT jsonb_array_elements_text(se))')}, ${rulePayloadSql('p', '$14')}
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
        RULE_PAYLOAD_FIELDS,
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

/** A value in COPY's text format: backslash, tab and line ends escaped; null as \\N. */
function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}

/** A text[] literal: each element double-quoted, with its quotes and backslashes escaped. */
const textArray = (values: readonly string[]): string =>
  `{${values.map((value) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;

const VERSION_COLUMNS = `event_id, entry_id, nhs_number, entry_type, domain, schema_version, occurred_at,
  recorded_at, source, author, sensitivity, attention, payload, supersedes_reason, correlation_id, topic,
  kafka_partition, kafka_offset`;
const ENTRY_COLUMNS = `event_id, current_event_id, nhs_number, entry_type, domain, schema_version,
  occurred_at, recorded_at, source, author, sensitivity, attention, payload, sensitivity_ever, rule_payload`;

/** The payload fields the access rules read, as record_entry.rule_payload keeps them. */
const rulePayload = (payload: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(payload).filter(([field]) => RULE_PAYLOAD_FIELDS.includes(field)),
  );

/**
 * Baseline B3: the same rows as B2 into the same tables and indexes, written with
 * `COPY ... FROM STDIN` (text format) instead of INSERT, in the same batches, one transaction
 * per batch (record_summary's insert trigger counts the copied rows, as it does the
 * projection's): the practical ceiling for the projection's writes. As in B2 only the
 * database round trips are timed; formatting the rows is not.
 */
export async function rawCopy(
  databaseUrl: string,
  schema: string,
  events: Iterable<GeneratedEvent>,
): Promise<{ events: number; rows: number; seconds: number }> {
  const client = await baselineTables(databaseUrl, schema, 'carelog-bench-b3');
  let timed = 0;
  let count = 0;
  let rows = 0;
  let batch: GeneratedEvent[] = [];
  const copy = async (table: string, columns: string, lines: string[]) => {
    if (lines.length === 0) return;
    await pipeline(
      Readable.from([lines.join('')]),
      client.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)),
    );
  };
  const flush = async () => {
    const versions: string[] = [];
    const entries: string[] = [];
    for (const { domain, event } of batch) {
      const common = [
        event.patient.nhsNumber,
        event.type,
        domain,
        event.schemaVersion,
        event.occurredAt.toISOString(),
        event.recordedAt.toISOString(),
        JSON.stringify(event.source),
        JSON.stringify(event.author),
        textArray(event.sensitivity),
        event.attention ? JSON.stringify(event.attention) : null,
        JSON.stringify(event.payload),
      ];
      versions.push(
        `${[
          event.eventId,
          event.supersedes?.eventId ?? event.eventId,
          ...common,
          event.supersedes?.reason ?? null,
          event.correlationId,
          'bench',
          0,
          count++,
        ]
          .map(copyText)
          .join('\t')}\n`,
      );
      if (event.supersedes || NOT_ENTRIES.has(event.type)) continue;
      const sensitivity = textArray([...new Set(event.sensitivity)].sort());
      const payload = JSON.stringify(rulePayload(event.payload));
      entries.push(
        `${[event.eventId, event.eventId, ...common, sensitivity, payload].map(copyText).join('\t')}\n`,
      );
    }
    const started = performance.now();
    await client.query('BEGIN');
    await copy('entry_version', VERSION_COLUMNS, versions);
    await copy('record_entry', ENTRY_COLUMNS, entries);
    await client.query('COMMIT');
    timed += performance.now() - started;
    rows += versions.length + entries.length;
    batch = [];
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
