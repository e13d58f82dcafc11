import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { loadOrCreateLocalKeys, mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordEntryTopics,
} from '@carelog/kafka';
import {
  ensureServers,
  localStateDir,
  repoRoot,
  serviceLog,
  startService,
  waitForReady,
  type RunningService,
  type ServiceName,
} from '@carelog/local-infra';
import { entryTypesOf } from '@carelog/domain';
import { READ_MODEL_TABLES } from '@carelog/read-model';
import { Client } from 'pg';
import { format, resolveConfig } from 'prettier';
import { generateEvents, heavyPatientNhsNumber, HEAVY_PATIENT_PRACTICE } from './generator';
import { closedLoop, sequential, timed } from './http-load';
import {
  logEnd,
  prefillTopics,
  publishAtRate,
  rawConsumerRead,
  type ProgressSample,
  type SentEvent,
} from './log-load';
import { describeMachine } from './machine';
import { PeakMemory } from './memory';
import { rawBulkInsert } from './pg-baseline';
import { renderReport, type BenchResults } from './report';
import { steadyRate, summarise } from './stats';

/**
 * `npm run bench [-- --events N] [--seed S] [--out FILE] [--keep]`: measures the platform on
 * this machine against the local real servers, in topics, consumer groups and schemas of its
 * own, and writes the figures with the machine, settings and date to a results file.
 */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const FULL_EVENTS = 1_000_000;
const events = Number(option('events') ?? FULL_EVENTS);
const full = events >= FULL_EVENTS;
const settings = {
  events,
  seed: Number(option('seed') ?? 20261125),
  heavyPatientEvents: 10_000,
  partitionsPerTopic: Number(process.env['CARELOG_TOPIC_PARTITIONS'] ?? 6),
  ingestConcurrency: 32,
  ingestSeconds: full ? 30 : 10,
  visibleRates: [500, 5000],
  visibleSeconds: full ? 30 : 10,
  firstPageReads: full ? 300 : 100,
  journalReads: full ? 30 : 15,
  wholeRecordWalks: full ? 10 : 3,
};
const outFile =
  option('out') ??
  (full
    ? join(repoRoot, 'tools', 'bench', 'results.md')
    : join(localStateDir, 'bench', 'results-quick.md'));
const keep = process.argv.includes('--keep');

const runId = `${Date.now().toString(36)}`;
const isolation = {
  CARELOG_TOPIC_PREFIX: `bench-${runId}`,
  CARELOG_READ_MODEL_SCHEMA: `bench_rm_${runId}`,
  CARELOG_PROJECTION_GROUP: `bench-projection-${runId}`,
  CARELOG_AUDIT_SCHEMA: `bench_audit_${runId}`,
};
const ports = { projection: 4510, 'record-api': 4500, 'gp-records': 4501 };

const say = (line: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const serviceOutput = serviceLog(`bench-${runId}`);

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const servers = await ensureServers(say);
  Object.assign(process.env, isolation, {
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    DATABASE_URL: servers.databaseUrl,
    CARELOG_AUTH_MODE: 'local',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  const machine = await describeMachine(servers.databaseUrl);
  say(
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB; load ${machine.loadAtStart.toFixed(2)}`,
  );
  say(`${events} events, seed ${settings.seed}; run ${runId}; results to ${outFile}`);
  const codec = loadEventCodec();
  const kafka = createKafka('carelog-bench');
  const memory = new PeakMemory();
  memory.watch('bench (this process)', process.pid);
  const kafkaPid = Number(
    readFileSync(join(localStateDir, 'kafka', 'kafka.pid'), 'utf8').trim() || NaN,
  );
  if (Number.isInteger(kafkaPid)) memory.watch('kafka (broker JVM)', kafkaPid);
  const db = new Client({ connectionString: servers.databaseUrl });
  await db.connect();
  const running: RunningService[] = [];
  const start = async (name: ServiceName): Promise<RunningService> => {
    const service = startService({
      name,
      port: ports[name as keyof typeof ports],
      env: process.env,
      onOutput: serviceOutput,
    });
    running.push(service);
    memory.watch(name, service.process.pid);
    await waitForReady(service, 180_000);
    return service;
  };
  const results: Partial<BenchResults> = {};
  let failure: string | undefined;
  const backfill = () =>
    generateEvents({
      seed: settings.seed,
      totalEvents: events,
      heavyPatientEntries: settings.heavyPatientEvents,
    });

  try {
    // 0. Pre-fill the bench's own topics.
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics()).finally(() => admin.disconnect());
    let lastShown = 0;
    const prefill = await prefillTopics(kafka, codec, backfill(), (done) => {
      if (done - lastShown >= 100_000) {
        lastShown = done;
        say(`pre-fill: ${done} events`);
      }
    });
    const total = await logEnd(kafka);
    if (total !== events) throw new Error(`the topics hold ${total} events, not ${events}`);
    results.prefill = { ...prefill, perSecond: prefill.events / prefill.seconds };
    say(`pre-filled ${total} events in ${prefill.seconds.toFixed(1)} s`);

    // B1: a raw kafkajs consumer reading the same topics.
    const b1 = await rawConsumerRead(kafka, `bench-b1-${runId}`, total);
    results.b1 = { perSecond: steadyRate(b1.samples, total), seconds: b1.seconds };
    say(`B1 raw kafkajs consumer: ${Math.round(results.b1.perSecond)} events/s`);

    // B2: a raw pg bulk insert of the same rows.
    const b2Schema = `bench_b2_${runId}`;
    const b2 = await rawBulkInsert(servers.databaseUrl, b2Schema, backfill(), () => undefined);
    await db.query(`DROP SCHEMA IF EXISTS "${b2Schema}" CASCADE`);
    results.b2 = { ...b2, perSecond: b2.events / b2.seconds };
    say(`B2 raw pg bulk insert: ${Math.round(results.b2.perSecond)} events/s`);

    // 1. Projection throughput from the pre-filled topics.
    const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
    const projectedIn = async (version: number): Promise<number> => {
      const rows = await db
        .query<{ done: string | null }>(
          `SELECT sum(next_offset) AS done FROM "${serving}_v${version}".projection_checkpoint`,
        )
        .catch(() => ({ rows: [{ done: '0' }] }));
      return Number(rows.rows[0]?.done ?? 0);
    };
    const projectionStarted = performance.now();
    await start('projection');
    const readyAfter = (performance.now() - projectionStarted) / 1000;
    const samples: ProgressSample[] = [];
    for (;;) {
      const done = await projectedIn(1);
      samples.push({ at: performance.now(), done });
      if (done >= total) break;
      await sleep(250);
    }
    const lastSample = samples.at(-1);
    results.projection = {
      perSecond: steadyRate(samples, total),
      seconds: ((lastSample?.at ?? 0) - projectionStarted) / 1000,
      readyAfterSeconds: readyAfter,
    };
    say(`1. projection: ${Math.round(results.projection.perSecond)} events/s`);
    // As an operator would after a backfill (autovacuum gets there within a minute or so):
    // planner statistics, or the first reads plan a 10,000-entry record as a 3-row one.
    for (const table of READ_MODEL_TABLES) await db.query(`ANALYZE "${serving}_v1"."${table}"`);

    // 4. Journal reads for the patient with the most entries.
    const api = await start('record-api');
    await loadOrCreateLocalKeys();
    const gpToken = await mintLocalToken({ role: 'gp', organisation: HEAVY_PATIENT_PRACTICE });
    const auth = { Authorization: `Bearer ${gpToken}` };
    const patientUrl = `${api.baseUrl}/v1/patients/${heavyPatientNhsNumber()}`;
    const entryCount = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${serving}".record_entry WHERE nhs_number = $1 AND status = 'current'`,
      [heavyPatientNhsNumber()],
    );
    const expectOk = (answer: { status: number }) => {
      if (answer.status !== 200) throw new Error(`record API answered ${answer.status}`);
    };
    const read = async (path: string) => {
      const answer = await timed({ url: `${patientUrl}${path}`, method: 'GET', headers: auth });
      expectOk(answer);
      return answer;
    };
    const firstPage = await sequential(
      async () => (await read('/record')).ms,
      settings.firstPageReads,
      10,
    );
    say(`4. first page p50 ${firstPage.p50.toFixed(1)} ms, p99 ${firstPage.p99.toFixed(1)} ms`);
    // The fixed cost of any read (token, patient gate, audit trail append and publish): one entry.
    const { entries: firstEntries } = JSON.parse((await read('/record?limit=1')).text) as {
      entries: Array<{ eventId: string }>;
    };
    const oneEntryId = firstEntries[0]?.eventId ?? '';
    const oneEntry = await sequential(
      async () => (await read(`/entries/${oneEntryId}`)).ms,
      settings.firstPageReads,
      10,
    );
    say(`4. one entry p50 ${oneEntry.p50.toFixed(1)} ms, p99 ${oneEntry.p99.toFixed(1)} ms`);
    const journalFirstPage = await sequential(
      async () => (await read('/journal')).ms,
      settings.journalReads,
      3,
    );
    say(
      `4. first journal page p50 ${journalFirstPage.p50.toFixed(1)} ms, p99 ${journalFirstPage.p99.toFixed(1)} ms`,
    );
    // The whole journal: every page of the largest size, following the cursor.
    const journal = await sequential(
      async () => {
        let ms = 0;
        let cursor: string | null = null;
        do {
          const answer = await read(
            `/journal?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          ms += answer.ms;
          cursor = (JSON.parse(answer.text) as { nextCursor: string | null }).nextCursor;
        } while (cursor);
        return ms;
      },
      settings.journalReads,
      3,
    );
    say(`4. whole journal p50 ${journal.p50.toFixed(1)} ms, p99 ${journal.p99.toFixed(1)} ms`);
    let pages = 0;
    let shown = 0;
    const wholeRecord = await sequential(
      async () => {
        let ms = 0;
        let cursor: string | null = null;
        pages = 0;
        shown = 0;
        do {
          const answer = await read(
            `/record?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          const page = JSON.parse(answer.text) as { entries: unknown[]; nextCursor: string | null };
          ms += answer.ms;
          pages++;
          shown += page.entries.length;
          cursor = page.nextCursor;
        } while (cursor);
        return ms;
      },
      settings.wholeRecordWalks,
      1,
    );
    say(`4. whole record in ${pages} pages p50 ${wholeRecord.p50.toFixed(0)} ms`);
    results.reads = {
      entries: Number(entryCount.rows[0]?.n ?? 0),
      shownToGp: shown,
      firstPage,
      oneEntry,
      journal,
      journalFirstPage,
      wholeRecord,
      wholeRecordPages: pages,
    };

    // 5. Rebuild the read model from the log, as `npm run projection:rebuild` does.
    const rebuildStarted = performance.now();
    const rebuild = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(repoRoot, 'services/projection/src/rebuild/main.ts')],
      { cwd: repoRoot, env: process.env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    memory.watch('projection:rebuild', rebuild.pid);
    let rebuildOutput = '';
    rebuild.stderr.on('data', (chunk: Buffer) => (rebuildOutput += chunk.toString()));
    const rebuildCode = await new Promise<number | null>((resolve) => rebuild.on('exit', resolve));
    const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
    if (rebuildCode !== 0 || !rebuildOutput.includes(`${total}/${total} events`))
      throw new Error(`the rebuild failed (exit ${rebuildCode}): ${rebuildOutput.slice(-400)}`);
    results.rebuild = { seconds: rebuildSeconds, perSecond: total / rebuildSeconds };
    say(`5. rebuild of ${total} events: ${rebuildSeconds.toFixed(1)} s`);

    // 2. HTTP ingest through one producer service, acks=all.
    const gp = await start('gp-records');
    const tokens = new Map<string, string>();
    const live = generateEvents({
      seed: settings.seed + 1,
      totalEvents: Infinity,
      firstPatient: 2_000_000,
    });
    const bodies: Array<{ organisation: string; body: string }> = [];
    // Writing needs a care relationship: each practice is given the registrations (and each
    // flag's recipient its relationship) that the practices' GP systems would have recorded.
    const relationships = new Set<string>();
    const gpEntryTypes = entryTypesOf('gp').map((rule) => rule.type);
    for (const { domain, event } of live) {
      if (domain !== 'gp' || event.supersedes || event.type === 'EntryEnteredInError') continue;
      bodies.push({
        organisation: event.source.organisation,
        body: JSON.stringify({
          patient: event.patient,
          type: event.type,
          occurredAt: event.occurredAt.toISOString(),
          payload: event.payload,
          sensitivity: event.sensitivity,
          attention: event.attention,
        }),
      });
      relationships.add(`${event.patient.nhsNumber}|${event.source.organisation}`);
      if (event.attention)
        relationships.add(`${event.patient.nhsNumber}|${event.attention.organisation}`);
      // The practice's GP system sends them: registrations start relationships only from it.
      if (!tokens.has(event.source.organisation))
        tokens.set(
          event.source.organisation,
          await mintLocalSystemToken({
            organisation: event.source.organisation,
            entryTypes: gpEntryTypes,
          }),
        );
      if (bodies.length >= 200_000) break;
    }
    const pairs = [...relationships].map((pair) => pair.split('|'));
    await db.query(
      `INSERT INTO "${serving}".care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at)
       SELECT gen_random_uuid(), u.nhs, u.org, 'gp-registration', now()
       FROM unnest($1::text[], $2::text[]) AS u(nhs, org)`,
      [pairs.map(([nhs]) => nhs), pairs.map(([, organisation]) => organisation)],
    );
    let sentBodies = 0;
    const ingest = await closedLoop(
      () => {
        const next = bodies[sentBodies++ % bodies.length];
        if (!next) throw new Error('no ingest bodies');
        return {
          url: `${gp.baseUrl}/v1/entries`,
          method: 'POST',
          headers: {
            Authorization: `Bearer ${tokens.get(next.organisation) ?? ''}`,
            'Content-Type': 'application/json',
            'Idempotency-Key': `bench-${runId}-${sentBodies}`,
          },
          body: next.body,
        };
      },
      202,
      settings.ingestConcurrency,
      settings.ingestSeconds,
    );
    results.ingest = ingest;
    say(
      `2. ingest: ${Math.round(ingest.perSecond)} entries/s, p50 ${ingest.latency.p50.toFixed(1)} ms, p99 ${ingest.latency.p99.toFixed(1)} ms, ${ingest.failed} failed`,
    );

    // 3. Publish-to-visible: an event is visible once its partition's checkpoint, committed
    // in the same transaction as its rows, has passed its offset.
    const stream = generateEvents({
      seed: settings.seed + 2,
      totalEvents: Infinity,
      firstPatient: 3_000_000,
    });
    const visibility = async (perSecond: number, seconds: number) => {
      const pending = new Map<string, SentEvent[]>();
      const latencies: number[] = [];
      let polling = true;
      const poller = (async () => {
        while (polling || [...pending.values()].some((list) => list.length > 0)) {
          const rows = await db.query<{
            topic: string;
            kafka_partition: number;
            next_offset: string;
          }>(`SELECT topic, kafka_partition, next_offset FROM "${serving}".projection_checkpoint`);
          const now = performance.now();
          for (const row of rows.rows) {
            const list = pending.get(`${row.topic}:${row.kafka_partition}`);
            if (!list) continue;
            const next = BigInt(row.next_offset);
            while (list.length > 0 && (list[0]?.offset ?? next) < next) {
              const seen = list.shift();
              if (seen) latencies.push(now - seen.sentAt);
            }
          }
          await sleep(5);
        }
      })();
      const sent = await publishAtRate(kafka, codec, stream, perSecond, seconds, (batch) => {
        for (const event of batch) {
          const key = `${event.topic}:${event.partition}`;
          const list = pending.get(key) ?? [];
          list.push(event);
          list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
          pending.set(key, list);
        }
      });
      polling = false;
      await Promise.race([
        poller,
        sleep(120_000).then(() => {
          throw new Error('published events did not become visible within 120 s');
        }),
      ]);
      return { achievedPerSecond: sent.achievedPerSecond, latency: summarise(latencies) };
    };
    // The running projection follows the rebuild's switch within seconds: wait for it.
    await visibility(50, 2);
    results.visible = [];
    for (const rate of settings.visibleRates) {
      const measured = await visibility(rate, settings.visibleSeconds);
      results.visible.push({ rate, ...measured });
      say(
        `3. publish-to-visible at ${rate}/s (achieved ${Math.round(measured.achievedPerSecond)}/s): p50 ${measured.latency.p50.toFixed(1)} ms, p99 ${measured.latency.p99.toFixed(1)} ms`,
      );
    }
  } catch (error) {
    // Whatever was measured before the failure is still written, with the failure.
    failure = error instanceof Error ? error.message : String(error);
    say(`failed: ${failure}`);
  } finally {
    const peaks = memory.stop();
    results.memory = Object.fromEntries(peaks);
    await Promise.all(running.map((service) => service.stop()));
    if (!keep) await cleanUp(db).catch((error: unknown) => say(`clean-up: ${String(error)}`));
    await db.end();
  }
  machine.loadAtEnd = loadavg()[0] ?? 0;
  const report = renderReport({
    machine,
    settings,
    startedAt,
    finishedAt: new Date(),
    runId,
    results: results as BenchResults,
    ...(failure ? { failure } : {}),
  });
  await mkdir(dirname(outFile), { recursive: true });
  // Written as the repository's formatter would, so that `prettier --check .` stays clean.
  const style = (await resolveConfig(outFile)) ?? {};
  await writeFile(outFile, await format(report.markdown, { ...style, parser: 'markdown' }));
  await writeFile(
    outFile.replace(/\.md$/, '.json'),
    await format(JSON.stringify(report.json), { ...style, parser: 'json' }),
  );
  process.stdout.write(`\n${report.summary}\n`);
  say(`results written to ${outFile}`);
  if (failure) process.exitCode = 1;
}

/** Removes the bench's topics and schemas: a full run leaves gigabytes behind otherwise. */
async function cleanUp(db: Client): Promise<void> {
  const admin = createKafka('carelog-bench-clean-up').admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ours = [
      ...recordEntryTopics(),
      ...[1, 2].map((v) => deadLetterTopic(`${isolation.CARELOG_PROJECTION_GROUP}-v${v}`)),
    ].filter((topic) => existing.has(topic));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } finally {
    await admin.disconnect();
  }
  // The producer service keeps each request's idempotency row in its own schema, by topic.
  await db.query(`DELETE FROM producer.published_entry WHERE topic LIKE $1`, [
    `${isolation.CARELOG_TOPIC_PREFIX}.%`,
  ]);
  const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
  for (const schema of [serving, `${serving}_v1`, `${serving}_v2`, isolation.CARELOG_AUDIT_SCHEMA])
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
