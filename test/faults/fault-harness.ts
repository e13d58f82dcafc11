import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec } from '@carelog/codec';
import { KAFKA_ADMIN_USER, recordEntryTopic } from '@carelog/kafka';
import { repoRoot, serviceDatabaseEnv, type RunningService } from '@carelog/local-infra';
import { exampleEvent, testNhsNumber } from '@carelog/testing';
import { Kafka, type Admin } from 'kafkajs';
import { Pool } from 'pg';
// The production profile's own module (not part of @carelog/local-infra's quick path).
import { clusterClientConfig, clusterServiceEnv } from '@carelog/local-infra/production';

/** How many entries R1 posts (CARELOG_FAULTS_ENTRIES; the issue asks for 100,000). */
export const R1_ENTRIES = Number(process.env['CARELOG_FAULTS_ENTRIES'] ?? 100_000);
export const GP_TOPIC = recordEntryTopic('gp');
export const ORGANISATION = 'A81001';

export interface Acknowledged {
  eventId: string;
  nhsNumber: string;
  seq: number;
  partition: number;
  offset: string;
}

export interface IngestFigures {
  posted: number;
  acknowledged: number;
  retried: number;
  refused: Record<string, number>;
}

/** The time of a patient's seq-th entry: per-patient order is read back from it. */
const occurredAt = (seq: number): string =>
  new Date(Date.UTC(2025, 0, 1) + seq * 60_000).toISOString();

/**
 * Posts entries through a producer service as a real client would: each patient's entries
 * one after another (the next only once the last is acknowledged), many patients at once, and
 * every request that did not answer 202 retried with the same Idempotency-Key until it does.
 * The patient's registration comes from the practice's GP system first, as in production.
 */
export class Ingest {
  readonly acknowledged: Acknowledged[] = [];
  readonly figures: IngestFigures = { posted: 0, acknowledged: 0, retried: 0, refused: {} };
  private stopped = false;

  constructor(
    private readonly producer: () => RunningService,
    private readonly runId: string,
    /** Where progress goes every 15 s (counts only: never record content or NHS numbers). */
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Patients `first..first+patients-1` (NHS numbers from `seedBase`), `perPatient` entries each. */
  async run(options: {
    seedBase: number;
    patients: number;
    perPatient: number;
    concurrency: number;
  }): Promise<void> {
    const person = await mintLocalToken({
      role: 'gp',
      organisation: ORGANISATION,
      userId: 'dr-faults',
    });
    const system = await mintLocalSystemToken({
      organisation: ORGANISATION,
      entryTypes: ['RegistrationStarted'],
    });
    const payload = exampleEvent('ConsultationRecorded', { nhsNumber: testNhsNumber(1) }).payload;
    let next = 0;
    const worker = async () => {
      while (!this.stopped) {
        const patient = next++;
        if (patient >= options.patients) return;
        const nhsNumber = testNhsNumber(options.seedBase + patient * 7);
        await this.post(`${this.runId}-${nhsNumber}-reg`, system, {
          patient: { nhsNumber },
          type: 'RegistrationStarted',
          occurredAt: occurredAt(0),
          payload: { registrationType: 'permanent' },
        });
        for (let seq = 1; seq <= options.perPatient && !this.stopped; seq++) {
          const answer = await this.post(`${this.runId}-${nhsNumber}-${seq}`, person, {
            patient: { nhsNumber },
            type: 'ConsultationRecorded',
            occurredAt: occurredAt(seq),
            payload,
          });
          this.acknowledged.push({ nhsNumber, seq, ...answer });
        }
      }
    };
    const started = Date.now();
    const progress = setInterval(() => {
      const seconds = (Date.now() - started) / 1000;
      this.log(
        `${this.runId}: ${this.figures.acknowledged} acknowledged in ${Math.round(seconds)} s (${Math.round(this.figures.acknowledged / seconds)}/s), ${this.figures.retried} retried, refusals ${JSON.stringify(this.figures.refused)}`,
      );
    }, 15_000);
    try {
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    } finally {
      clearInterval(progress);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** One entry, retried with its key until acknowledged (a broker or Postgres may be down). */
  private async post(
    key: string,
    token: string,
    body: unknown,
  ): Promise<{ eventId: string; partition: number; offset: string }> {
    const deadline = Date.now() + 10 * 60_000;
    for (let attempt = 0; ; attempt++) {
      this.figures.posted++;
      if (attempt > 0) this.figures.retried++;
      let status = 0;
      try {
        const response = await fetch(`${this.producer().baseUrl}/v1/entries`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        status = response.status;
        const answer = (await response.json()) as {
          eventId?: string;
          partition?: number;
          offset?: string;
          code?: string;
        };
        if (status === 202 && answer.eventId) {
          this.figures.acknowledged++;
          return {
            eventId: answer.eventId,
            partition: answer.partition ?? -1,
            offset: answer.offset ?? '',
          };
        }
        const reason = `${status} ${answer.code ?? ''}`.trim();
        this.figures.refused[reason] = (this.figures.refused[reason] ?? 0) + 1;
        // Only these may pass: the broker or Postgres is away, or the projection has not yet
        // recorded the registration this write is decided against.
        if (status !== 503 && !(status === 403 && answer.code === 'care-relationship-required'))
          throw new Error(`entry refused for good: ${reason}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('entry refused')) throw error;
        this.figures.refused[`${status || 'no answer'}`] =
          (this.figures.refused[`${status || 'no answer'}`] ?? 0) + 1;
      }
      if (Date.now() > deadline) throw new Error(`entry ${key} not acknowledged in 10 minutes`);
      await new Promise((resolvePromise) =>
        setTimeout(resolvePromise, Math.min(100 * 2 ** attempt, 2000)),
      );
    }
  }
}

export async function clusterAdmin(): Promise<Admin> {
  const admin = new Kafka(await clusterClientConfig(KAFKA_ADMIN_USER)).admin();
  await admin.connect();
  return admin;
}

export interface LogContents {
  /** eventId -> how many times it is in the log. */
  copies: Map<string, number>;
  /** nhsNumber -> the seq of each of its entries (first copies), in log order. */
  order: Map<string, number[]>;
}

/** Reads the GP topic to its end as the admin and decodes every entry. */
export async function readGpTopic(): Promise<LogContents> {
  const codec = loadEventCodec();
  const kafka = new Kafka(await clusterClientConfig(KAFKA_ADMIN_USER));
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(GP_TOPIC).finally(() => admin.disconnect());
  const remaining = new Map(ends.map((end) => [end.partition, BigInt(end.high)]));
  const copies = new Map<string, number>();
  const order = new Map<string, number[]>();
  const consumer = kafka.consumer({ groupId: `carelog-faults-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [GP_TOPIC], fromBeginning: true });
  const done = new Promise<void>((resolvePromise) => {
    const check = () => {
      if ([...remaining.values()].every((high) => high <= 0n)) resolvePromise();
    };
    check();
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (!message.value) continue;
          try {
            const { event } = codec.decode(message.value);
            const seen = copies.get(event.eventId) ?? 0;
            copies.set(event.eventId, seen + 1);
            // Order as consumers see it: a re-sent copy of an event is skipped by its id.
            if (event.type === 'ConsultationRecorded' && seen === 0) {
              const seq = Math.round(
                (Date.parse(String(event.occurredAt)) - Date.UTC(2025, 0, 1)) / 60_000,
              );
              const list = order.get(event.patient.nhsNumber) ?? [];
              list.push(seq);
              order.set(event.patient.nhsNumber, list);
            }
          } catch {
            // Not an entry (another test's junk): not ours to count.
          }
        }
        const high = ends.find((end) => end.partition === batch.partition)?.high ?? '0';
        if (BigInt(batch.lastOffset()) + 1n >= BigInt(high)) remaining.set(batch.partition, 0n);
        check();
        await Promise.resolve();
      },
    });
  });
  await done;
  await consumer.disconnect();
  return { copies, order };
}

export interface GpTopicState {
  /** The broker leading partition 0 (-1: none). */
  leaderOf0: number;
  /** Every partition has a leader and all three replicas in sync. */
  fullyInSync: boolean;
  /** Brokers that are in the in-sync set of every partition. */
  inSyncEverywhere: number[];
}

/**
 * The GP topic's leaders and in-sync replicas, read through a new admin client each time, so
 * that the answer is the cluster's now and not a client's cached metadata from before a kill.
 */
export async function gpTopicState(): Promise<GpTopicState> {
  const admin = new Kafka({
    ...(await clusterClientConfig(KAFKA_ADMIN_USER)),
    retry: { retries: 2 },
  }).admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [GP_TOPIC] });
    const partitions = topics[0]?.partitions ?? [];
    const brokers = [1, 2, 3].filter((broker) =>
      partitions.every((partition) => partition.isr.includes(broker)),
    );
    return {
      leaderOf0: partitions.find((partition) => partition.partitionId === 0)?.leader ?? -1,
      fullyInSync:
        partitions.length > 0 &&
        partitions.every((partition) => partition.isr.length === 3 && partition.leader >= 0),
      inSyncEverywhere: partitions.length > 0 ? brokers : [],
    };
  } finally {
    await admin.disconnect();
  }
}

/**
 * A pool, not one connection: R3 stops Postgres under it, and each later query takes a new
 * connection instead of failing on the one the restart closed.
 */
export async function database(): Promise<Pool> {
  const { productionDatabaseUrl } = await import('@carelog/local-infra');
  const pool = new Pool({ connectionString: productionDatabaseUrl(), max: 2 });
  // The loss of an idle connection when Postgres stops is expected, not an unhandled error.
  pool.on('error', () => undefined);
  await pool.query('SELECT 1');
  return pool;
}

/** The read model's active version: its schema and consumer group. */
export async function activeVersion(
  db: Pool,
): Promise<{ version: number; schema: string; group: string }> {
  const rows = await db.query<{ active_version: number }>(
    'SELECT active_version FROM read_model.read_model_state',
  );
  const version = rows.rows[0]?.active_version;
  if (version === undefined) throw new Error('no read model yet');
  return {
    version,
    schema: `read_model_v${version}`,
    group: `carelog-projection-v${version}`,
  };
}

/** How many read-model rows (entry versions) each of these events has. */
export async function projectedCopies(
  db: Pool,
  schema: string,
  eventIds: string[],
): Promise<Map<string, number>> {
  const copies = new Map<string, number>();
  for (let start = 0; start < eventIds.length; start += 10_000) {
    const rows = await db.query<{ event_id: string; copies: string }>(
      `SELECT event_id::text, count(*) AS copies FROM "${schema}".entry_version
        WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
      [eventIds.slice(start, start + 10_000)],
    );
    for (const row of rows.rows) copies.set(row.event_id, Number(row.copies));
  }
  return copies;
}

/**
 * Entries recorded more than once: for each patient, the entries of `type` in the read model
 * beyond the number acknowledged (an entry with two event ids would be a second entry).
 */
export async function entriesRecordedTwice(
  db: Pool,
  schema: string,
  acknowledged: readonly Acknowledged[],
  type = 'ConsultationRecorded',
): Promise<number> {
  const expected = new Map<string, number>();
  for (const entry of acknowledged)
    expected.set(entry.nhsNumber, (expected.get(entry.nhsNumber) ?? 0) + 1);
  const rows = await db.query<{ nhs_number: string; entries: string }>(
    `SELECT nhs_number, count(*) AS entries FROM "${schema}".record_entry
      WHERE nhs_number = ANY($1::text[]) AND entry_type = $2 GROUP BY nhs_number`,
    [[...expected.keys()], type],
  );
  return rows.rows.reduce(
    (extra, row) => extra + Math.max(0, Number(row.entries) - (expected.get(row.nhs_number) ?? 0)),
    0,
  );
}

/** Consumer lag of a checkpoint table against the record topics' ends (0: caught up). */
export async function checkpointLag(
  db: Pool,
  admin: Admin,
  table: string,
  group: string,
  topics: readonly string[],
): Promise<number> {
  const rows = await db.query<{ topic: string; kafka_partition: number; next_offset: string }>(
    `SELECT topic, kafka_partition, next_offset FROM ${table} WHERE consumer_group = $1`,
    [group],
  );
  let lag = 0;
  for (const topic of topics) {
    for (const end of await admin.fetchTopicOffsets(topic)) {
      const at = rows.rows.find(
        (row) => row.topic === topic && row.kafka_partition === end.partition,
      );
      lag += Number(BigInt(end.high) - BigInt(at?.next_offset ?? end.low));
    }
  }
  return lag;
}

/** `npm run projection:rebuild` as the projection's principal and the rebuild's role. */
export async function rebuildReadModel(): Promise<{ code: number | null; output: string }> {
  const { productionDatabaseUrl } = await import('@carelog/local-infra');
  const base = {
    ...process.env,
    DATABASE_URL: productionDatabaseUrl(),
    ...clusterServiceEnv('projection'),
  };
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', join(repoRoot, 'services/projection/src/rebuild/main.ts')],
    { cwd: repoRoot, env: { ...base, ...serviceDatabaseEnv('rebuild', base) } },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolvePromise) =>
    child.on('exit', resolvePromise),
  );
  return { code, output };
}

const resultsJson = join(repoRoot, 'test', 'faults', 'results.json');
const resultsMd = join(repoRoot, 'test', 'faults', 'results.md');

export type Figures = Record<string, string | number>;

/** Prints a scenario's figures and writes them, with the others', to test/faults/results.md. */
export function recordFigures(scenario: string, figures: Figures): void {
  console.log(`${scenario}: ${JSON.stringify(figures)}`);
  let all: Record<string, Figures & { at: string }> = {};
  try {
    all = JSON.parse(readFileSync(resultsJson, 'utf8')) as typeof all;
  } catch {
    all = {};
  }
  all[scenario] = { at: new Date().toISOString(), ...figures };
  writeFileSync(resultsJson, `${JSON.stringify(all, null, 2)}\n`);
  const lines = [
    '# Fault tests: figures from the last run',
    '',
    'Written by `npm run test:faults` (test/faults/) on the production profile: three SASL_SSL',
    'KRaft brokers (replication 3, min.insync.replicas 2), Postgres with per-service roles, two',
    'instances each of projection and notifications. Each scenario overwrites its own section.',
    '',
  ];
  for (const [name, values] of Object.entries(all).sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## ${name}`, '', '| figure | value |', '| --- | --- |');
    for (const [key, value] of Object.entries(values)) lines.push(`| ${key} | ${value} |`);
    lines.push('');
  }
  writeFileSync(resultsMd, lines.join('\n'));
}
