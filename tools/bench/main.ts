import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { loadOrCreateLocalKeys, mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { loadEventCodec, type EventCodec } from '@carelog/codec';
import { createKafka, ensureTopics, platformTopics } from '@carelog/kafka';
import {
  buildDist,
  ensureServers,
  localStateDir,
  nodeArguments,
  PLATFORM_SERVICES,
  repoRoot,
  serviceDatabaseEnv,
  serviceLog,
  startService,
  waitForReady,
  type RunningService,
  type ServiceName,
} from '@carelog/local-infra';
import { entryTypesOf, isRecordEntryType } from '@carelog/domain';
import { READ_MODEL_TABLES } from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { format, resolveConfig } from 'prettier';
import {
  generateEvents,
  heavyPatientNhsNumber,
  HEAVY_PATIENT_PRACTICE,
  type GeneratedEvent,
} from './generator';
import { closedLoop, openLoop, sequential, timed } from './http-load';
import { measureIngestSteps, rawBatchedProducer } from './ingest-steps';
import {
  logEnd,
  prefillTopics,
  publishAtRate,
  rawConsumerRead,
  type ProgressSample,
  type SentEvent,
} from './log-load';
import { idleCpu } from './idle';
import { describeMachine } from './machine';
import { comparePeer } from './peer';
import { PeakMemory } from './memory';
import { rawBulkInsert, rawCopy } from './pg-baseline';
import { renderReport, type BenchResults } from './report';
import { steadyRate, summarise } from './stats';

/**
 * `npm run bench [-- --quick] [--events N] [--seed S] [--skip a,b] [--out FILE] [--keep]`:
 * measures the platform on this machine against the local real servers, in topics, consumer
 * groups and schemas of its own, and writes the figures with the machine, settings and date to
 * a results file. Each section that fails is recorded in the results and the rest still run.
 */
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const FULL_EVENTS = 1_000_000;
const QUICK_EVENTS = 100_000;
const quick = process.argv.includes('--quick');
/** `--peer <FHIR base URL>`: the side-by-side with a FHIR server instead of the other sections. */
const peerUrl = option('peer')?.replace(/\/+$/, '');
const PEER_EVENTS = 30_000;
const events = Number(
  option('events') ?? (peerUrl ? PEER_EVENTS : quick ? QUICK_EVENTS : FULL_EVENTS),
);
const full = events >= FULL_EVENTS && !quick;
/** `--quick`: a short run for iteration, every section but each briefly. */
const brief = (fullValue: number, otherValue: number, quickValue: number): number =>
  full ? fullValue : quick ? quickValue : otherValue;
/** Sections that `--skip` may leave out (iteration only: a skipped section reports n/a). */
const SECTIONS = ['b1', 'b2', 'b3', 'reads', 'rebuild', 'ingest', 'visible', 'idle'] as const;
const skipped = new Set((option('skip') ?? '').split(',').filter(Boolean));
if (peerUrl) for (const name of SECTIONS) skipped.add(name);
for (const name of skipped)
  if (!(SECTIONS as readonly string[]).includes(name))
    throw new Error(`--skip takes ${SECTIONS.join(', ')}; not ${name}`);
const settings = {
  events,
  seed: Number(option('seed') ?? 20261125),
  heavyPatientEvents: 10_000,
  partitionsPerTopic: Number(process.env['CARELOG_TOPIC_PARTITIONS'] ?? 6),
  ingestConcurrency: 32,
  ingestSeconds: brief(30, 10, 5),
  ingestRates: [1000],
  ingestStepSamples: brief(500, 300, 200),
  visibleRates: [500, 5000],
  visibleSeconds: brief(30, 10, 5),
  firstPageReads: brief(300, 100, 50),
  journalFirstPageReads: brief(100, 30, 20),
  journalReads: brief(30, 15, 3),
  wholeRecordWalks: brief(10, 3, 1),
  idleSeconds: 30,
  /**
   * The services' log level. Request lines (info) are off unless asked for: at thousands a
   * second, written into this process's log file, they would load the load generator, not
   * the platform. `CARELOG_LOG_LEVEL=info npm run bench` measures with them.
   */
  serviceLogLevel: process.env['CARELOG_LOG_LEVEL'] ?? 'warn',
  /**
   * What the services run: the compiled build (`npm run build`, as deployed; the bench builds
   * it first) unless `CARELOG_SERVICES_FROM=source` asks for the TypeScript sources, whose
   * in-process compiler adds start-up CPU and ~70 MiB to every service.
   */
  servicesFrom: process.env['CARELOG_SERVICES_FROM'] || 'dist',
  ...(peerUrl
    ? { peer: peerUrl, peerClients: 8, peerSeconds: quick ? 10 : 30, peerReads: quick ? 20 : 100 }
    : {}),
  quick,
  ...(skipped.size > 0 ? { skipped: [...skipped] } : {}),
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
/** The platform as a whole, idle, in topics and schemas of its own (an empty log). */
const idleIsolation = {
  CARELOG_TOPIC_PREFIX: `bench-${runId}-idle`,
  CARELOG_READ_MODEL_SCHEMA: `bench_rm_${runId}_idle`,
  CARELOG_PROJECTION_GROUP: `bench-projection-${runId}-idle`,
  CARELOG_AUDIT_SCHEMA: `bench_audit_${runId}_idle`,
  CARELOG_NOTIFICATIONS_SCHEMA: `bench_notifications_${runId}_idle`,
  CARELOG_NOTIFICATIONS_GROUP: `bench-notifications-${runId}-idle`,
  CARELOG_ANALYTICS_SCHEMA: `bench_analytics_${runId}_idle`,
  CARELOG_ANALYTICS_CONSUMER_GROUP: `bench-analytics-${runId}-idle`,
  CARELOG_IDENTITY_SCHEMA: `bench_identity_${runId}_idle`,
};
const ports = { projection: 4510, 'record-api': 4500, 'gp-records': 4501 };
/** The idle platform's ports: each service's own port shifted by this. */
const IDLE_PORT_SHIFT = 1500;

const say = (line: string) =>
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const serviceOutput = serviceLog(`bench-${runId}`);

/**
 * A promise a failed section left behind must not end the run before the results are written:
 * it is recorded as a failure of its own instead.
 */
const strays: string[] = [];
process.on('unhandledRejection', (error: unknown) => {
  strays.push(error instanceof Error ? error.message : String(error));
  say(`unhandled failure: ${strays.at(-1)}`);
});

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
    CARELOG_LOG_LEVEL: settings.serviceLogLevel,
    CARELOG_SERVICES_FROM: settings.servicesFrom,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
  });
  if (settings.servicesFrom === 'dist') {
    const build = await buildDist();
    say(`compiled ${build.compiled} modules to dist/ in ${build.ms} ms; the services run from it`);
  }
  const machine = await describeMachine(servers.databaseUrl);
  say(
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB; load ${machine.loadAtStart.toFixed(2)}`,
  );
  say(
    `${events} events, seed ${settings.seed}${quick ? ', quick' : ''}; run ${runId}; results to ${outFile}`,
  );
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
  const running = new Map<ServiceName, RunningService>();
  const start = async (name: ServiceName): Promise<RunningService> => {
    const already = running.get(name);
    if (already) return already;
    const service = startService({
      name,
      port: ports[name as keyof typeof ports],
      env: process.env,
      onOutput: serviceOutput,
    });
    running.set(name, service);
    memory.watch(name, service.process.pid);
    await waitForReady(service, 180_000);
    return service;
  };
  const results: Partial<BenchResults> = {};
  const failures: Record<string, string> = {};
  /** Runs one section; a failure is recorded against it and the next section still runs. */
  const section = async (name: string, body: () => Promise<void>): Promise<boolean> => {
    if (skipped.has(name)) {
      failures[name] = peerUrl ? 'skipped (--peer runs only the side-by-side)' : 'skipped (--skip)';
      return false;
    }
    try {
      await body();
      return true;
    } catch (error) {
      failures[name] = error instanceof Error ? error.message : String(error);
      say(`${name} failed: ${failures[name]}`);
      return false;
    }
  };
  const backfill = () =>
    generateEvents({
      seed: settings.seed,
      totalEvents: events,
      heavyPatientEntries: settings.heavyPatientEvents,
    });
  const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
  /** How many events the log held after the pre-fill (what every consumer must consume). */
  let total = 0;

  try {
    // 0. Pre-fill the bench's own topics: without them nothing else can be measured.
    const prefilled = await section('prefill', async () => {
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
      total = await logEnd(kafka);
      results.prefill = { ...prefill, perSecond: prefill.events / prefill.seconds };
      // What was produced must be what the log now holds.
      if (total !== prefill.events)
        throw new Error(`the producer sent ${prefill.events} events but the topics hold ${total}`);
      say(`pre-filled ${total} events in ${prefill.seconds.toFixed(1)} s`);
    });
    if (!prefilled) throw new Error('the pre-fill failed: nothing else can be measured');

    // B1: a raw kafkajs consumer reading the same topics.
    await section('b1', async () => {
      const b1 = await rawConsumerRead(kafka, `bench-b1-${runId}`, total);
      results.b1 = { perSecond: steadyRate(b1.samples, total), seconds: b1.seconds };
      say(`B1 raw kafkajs consumer: ${Math.round(results.b1.perSecond)} events/s`);
    });

    // B2: a raw pg bulk insert of the same rows.
    await section('b2', async () => {
      const b2Schema = `bench_b2_${runId}`;
      try {
        const b2 = await rawBulkInsert(servers.databaseUrl, b2Schema, backfill(), () => undefined);
        results.b2 = { ...b2, perSecond: b2.events / b2.seconds };
      } finally {
        await db.query(`DROP SCHEMA IF EXISTS "${b2Schema}" CASCADE`);
      }
      if (results.b2.events !== total)
        throw new Error(`B2 inserted ${results.b2.events} events of the ${total} produced`);
      say(`B2 raw pg bulk insert: ${Math.round(results.b2.perSecond)} events/s`);
    });

    // B3: COPY of the same rows into the same tables and indexes.
    await section('b3', async () => {
      const b3Schema = `bench_b3_${runId}`;
      try {
        const b3 = await rawCopy(servers.databaseUrl, b3Schema, backfill());
        results.b3 = { ...b3, perSecond: b3.events / b3.seconds };
      } finally {
        await db.query(`DROP SCHEMA IF EXISTS "${b3Schema}" CASCADE`);
      }
      if (results.b3.events !== total)
        throw new Error(`B3 copied ${results.b3.events} events of the ${total} produced`);
      say(`B3 raw pg COPY: ${Math.round(results.b3.perSecond)} events/s`);
    });

    // 1. Projection throughput from the pre-filled topics.
    const projectedIn = async (version: number): Promise<number> => {
      const rows = await db
        .query<{ done: string | null }>(
          `SELECT sum(next_offset) AS done FROM "${serving}_v${version}".projection_checkpoint`,
        )
        .catch(() => ({ rows: [{ done: '0' }] }));
      return Number(rows.rows[0]?.done ?? 0);
    };
    await section('projection', async () => {
      const projectionStarted = performance.now();
      await start('projection');
      const readyAfter = (performance.now() - projectionStarted) / 1000;
      const samples: ProgressSample[] = [];
      // A stalled projection must not hold the run: no progress for two minutes is a failure.
      let lastProgress = performance.now();
      for (;;) {
        const done = await projectedIn(1);
        const now = performance.now();
        if (done > (samples.at(-1)?.done ?? 0)) lastProgress = now;
        samples.push({ at: now, done });
        if (done >= total) break;
        if (now - lastProgress > 120_000)
          throw new Error(`the projection stopped at ${done} of ${total} events`);
        await sleep(250);
      }
      const lastSample = samples.at(-1);
      results.projection = {
        perSecond: steadyRate(samples, total),
        seconds: ((lastSample?.at ?? 0) - projectionStarted) / 1000,
        readyAfterSeconds: readyAfter,
        events: lastSample?.done ?? 0,
      };
      say(`1. projection: ${Math.round(results.projection.perSecond)} events/s`);
      // As an operator would after a backfill (autovacuum gets there within a minute or so):
      // planner statistics, or the first reads plan a 10,000-entry record as a 3-row one.
      for (const table of READ_MODEL_TABLES) await db.query(`ANALYZE "${serving}_v1"."${table}"`);
    });

    // 4. Reads of the patient with the most entries.
    await section('reads', async () => {
      results.reads = await measureReads(await start('record-api'), db);
    });

    // The side-by-side with a FHIR server, when asked for.
    if (peerUrl)
      await section('peer', async () => {
        const api = await start('record-api');
        const gp = await start('gp-records');
        const fixtures = await ingestFixtures(
          db,
          20_000,
          ({ event }) => event.type === 'TestResultRecorded',
        );
        const heavy = [...backfill()].filter(
          ({ event }) =>
            event.patient.nhsNumber === heavyPatientNhsNumber() &&
            !event.supersedes &&
            // Not state (consents, task steps, corrections): entries of the record only.
            isRecordEntryType(event.type),
        );
        results.peer = await comparePeer({
          baseUrl: peerUrl,
          clients: settings.peerClients ?? 8,
          seconds: settings.peerSeconds ?? 30,
          reads: settings.peerReads ?? 100,
          walks: quick ? 1 : 3,
          pageSize: 50,
          results: fixtures.events,
          carelogRequest: (generated, n) => fixtures.request(gp.baseUrl, generated, n),
          heavy,
          carelogRead: await heavyPatientReader(api),
          say,
        });
      });

    // 5. Rebuild the read model from the log, as `npm run projection:rebuild` does.
    await section('rebuild', async () => {
      results.rebuild = await measureRebuild(memory, total);
      say(
        `5. rebuild of ${results.rebuild.events} events: ${results.rebuild.seconds.toFixed(1)} s`,
      );
    });

    // 2. HTTP ingest through one producer service, acks=all.
    await section('ingest', async () => {
      await measureIngest(await start('gp-records'), db, kafka, codec, results);
    });

    // 3. Publish-to-visible.
    await section('visible', async () => {
      if (!running.has('projection')) throw new Error('the projection is not running');
      results.visible = [];
      const visibility = visibilityProbe(kafka, codec, db);
      // The running projection follows the rebuild's switch within seconds: wait for it.
      await visibility(50, 2);
      for (const rate of settings.visibleRates) {
        const measured = await visibility(rate, settings.visibleSeconds);
        results.visible.push({ rate, ...measured });
        say(
          `3. publish-to-visible at ${rate}/s (achieved ${Math.round(measured.achievedPerSecond)}/s): p50 ${measured.latency.p50.toFixed(1)} ms, p99 ${measured.latency.p99.toFixed(1)} ms`,
        );
      }
    });

    // 6. Idle is idle: every service, started on an empty log, then left alone.
    await section('idle', async () => {
      await Promise.all([...running.values()].map((service) => service.stop()));
      running.clear();
      results.idle = await measureIdle(kafka, memory);
      for (const [name, share] of Object.entries(results.idle.cpu))
        say(`6. idle ${name}: ${(share * 100).toFixed(2)} % of a core`);
    });
  } catch (error) {
    failures['run'] = error instanceof Error ? error.message : String(error);
    say(`failed: ${failures['run']}`);
  } finally {
    const peaks = memory.stop();
    results.memory = Object.fromEntries(peaks);
    await Promise.all([...running.values()].map((service) => service.stop()));
    if (!keep) await cleanUp(db).catch((error: unknown) => say(`clean-up: ${String(error)}`));
    await db.end();
  }
  if (strays.length > 0) failures['unhandled'] = strays.join('; ');
  machine.loadAtEnd = loadavg()[0] ?? 0;
  const report = renderReport({
    machine,
    settings,
    startedAt,
    finishedAt: new Date(),
    runId,
    results: results as BenchResults,
    failures,
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
  if (Object.keys(failures).some((name) => !skipped.has(name))) process.exitCode = 1;
}

/** Reads of the heavy patient by a GP of their practice: each must answer 200. */
async function heavyPatientReader(api: RunningService) {
  await loadOrCreateLocalKeys();
  const gpToken = await mintLocalToken({ role: 'gp', organisation: HEAVY_PATIENT_PRACTICE });
  const auth = { Authorization: `Bearer ${gpToken}` };
  const patientUrl = `${api.baseUrl}/v1/patients/${heavyPatientNhsNumber()}`;
  return async (path: string) => {
    const answer = await timed({ url: `${patientUrl}${path}`, method: 'GET', headers: auth });
    if (answer.status !== 200)
      throw new Error(
        `record API answered ${answer.status} to ${path}: ${answer.text.slice(0, 200)}`,
      );
    return answer;
  };
}

/** Section 4: a GP of the registered practice reads the patient with the most entries. */
async function measureReads(api: RunningService, db: Client): Promise<BenchResults['reads']> {
  const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
  const read = await heavyPatientReader(api);
  const entryCount = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM "${serving}".record_entry WHERE nhs_number = $1 AND status = 'current'`,
    [heavyPatientNhsNumber()],
  );
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
  let journalFirstPageLines = 0;
  const journalFirstPage = await sequential(
    async () => {
      const answer = await read('/journal');
      journalFirstPageLines = journalLines(answer.text);
      return answer.ms;
    },
    settings.journalFirstPageReads,
    3,
  );
  say(
    `4. first journal page (${journalFirstPageLines} lines) p50 ${journalFirstPage.p50.toFixed(1)} ms, p99 ${journalFirstPage.p99.toFixed(1)} ms`,
  );
  // The whole journal: every page of the largest size, following the cursor.
  let journalPages = 0;
  let journalLinesShown = 0;
  const journal = await sequential(
    async () => {
      let ms = 0;
      let cursor: string | null = null;
      journalPages = 0;
      journalLinesShown = 0;
      do {
        const answer = await read(
          `/journal?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        ms += answer.ms;
        journalPages++;
        journalLinesShown += journalLines(answer.text);
        cursor = (JSON.parse(answer.text) as { nextCursor?: string | null }).nextCursor ?? null;
      } while (cursor);
      return ms;
    },
    settings.journalReads,
    3,
  );
  say(
    `4. whole journal (${journalPages} pages, ${journalLinesShown} lines) p50 ${journal.p50.toFixed(1)} ms, p99 ${journal.p99.toFixed(1)} ms`,
  );
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
  return {
    entries: Number(entryCount.rows[0]?.n ?? 0),
    shownToGp: shown,
    firstPage,
    oneEntry,
    journal,
    journalPages,
    journalLines: journalLinesShown,
    journalFirstPage,
    journalFirstPageLines,
    wholeRecord,
    wholeRecordPages: pages,
  };
}

/** Lines a journal page shows: the narrative's and every section's (entries, digests, folds). */
function journalLines(text: string): number {
  const page = JSON.parse(text) as {
    narrative?: unknown[];
    sections?: Array<{ entries?: unknown[] }>;
  };
  return (
    (page.narrative?.length ?? 0) +
    (page.sections ?? []).reduce((sum, section) => sum + (section.entries?.length ?? 0), 0)
  );
}

/**
 * Section 5: `npm run projection:rebuild` as a process. Checked against its own account: it
 * must have projected every event the log held when it started (the services may have
 * appended some since the pre-fill, escalations for example), and at least the pre-fill.
 */
async function measureRebuild(
  memory: PeakMemory,
  prefilled: number,
): Promise<BenchResults['rebuild']> {
  const rebuildStarted = performance.now();
  // As the rebuild's own database role, as it runs beside the platform: a version schema the
  // superuser created would be one the running projection could not follow into.
  const rebuild = spawn(
    process.execPath,
    nodeArguments('services/projection/src/rebuild/main.ts'),
    {
      cwd: repoRoot,
      env: { ...process.env, ...serviceDatabaseEnv('rebuild', process.env) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  memory.watch('projection:rebuild', rebuild.pid);
  let rebuildOutput = '';
  rebuild.stderr.on('data', (chunk: Buffer) => (rebuildOutput += chunk.toString()));
  const rebuildCode = await new Promise<number | null>((resolve) => rebuild.on('exit', resolve));
  const seconds = (performance.now() - rebuildStarted) / 1000;
  const progress = [...rebuildOutput.matchAll(/(\d+)\/(\d+) events/g)].at(-1);
  const done = Number(progress?.[1] ?? NaN);
  const inLog = Number(progress?.[2] ?? NaN);
  if (rebuildCode !== 0)
    throw new Error(`the rebuild exited ${rebuildCode}: ${rebuildOutput.slice(-400)}`);
  if (!(done === inLog && inLog >= prefilled))
    throw new Error(
      `the rebuild projected ${done} of the ${inLog} events the log held (pre-filled ${prefilled}): ${rebuildOutput.slice(-400)}`,
    );
  return { seconds, perSecond: done / seconds, events: done };
}

/** Entries for the producer service, with the tokens and care relationships to send them. */
async function ingestFixtures(
  db: Client,
  count: number,
  keep: (generated: GeneratedEvent) => boolean = () => true,
) {
  const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
  const tokens = new Map<string, string>();
  const live = generateEvents({
    seed: settings.seed + 1,
    totalEvents: Infinity,
    firstPatient: 2_000_000,
  });
  const events: GeneratedEvent[] = [];
  // Writing needs a care relationship: each practice is given the registrations (and each
  // flag's recipient its relationship) that the practices' GP systems would have recorded.
  const relationships = new Set<string>();
  const gpEntryTypes = entryTypesOf('gp').map((rule) => rule.type);
  for (const generated of live) {
    const { domain, event } = generated;
    if (domain !== 'gp' || event.supersedes || event.type === 'EntryEnteredInError') continue;
    if (!keep(generated)) continue;
    events.push(generated);
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
    if (events.length >= count) break;
  }
  const pairs = [...relationships].map((pair) => pair.split('|'));
  await db.query(
    `INSERT INTO "${serving}".care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at)
     SELECT gen_random_uuid(), u.nhs, u.org, 'gp-registration', now()
     FROM unnest($1::text[], $2::text[]) AS u(nhs, org)`,
    [pairs.map(([nhs]) => nhs), pairs.map(([, organisation]) => organisation)],
  );
  const request = (baseUrl: string, { event }: GeneratedEvent, n: number) => ({
    url: `${baseUrl}/v1/entries`,
    method: 'POST' as const,
    headers: {
      Authorization: `Bearer ${tokens.get(event.source.organisation) ?? ''}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': `bench-${runId}-${n}`,
    },
    body: JSON.stringify({
      patient: event.patient,
      type: event.type,
      occurredAt: event.occurredAt.toISOString(),
      payload: event.payload,
      sensitivity: event.sensitivity,
      attention: event.attention,
    }),
  });
  return { events, tokens, request };
}

/**
 * Section 2: ingest through one producer service (`gp-records`). First `ingestConcurrency`
 * HTTP clients in a closed loop (throughput), then requests paced at fixed rates (latency at
 * a rate), then each step of a request on its own, then the raw batched producer over the same
 * entries in this process (the ceiling for one producer).
 */
async function measureIngest(
  gp: RunningService,
  db: Client,
  kafka: Kafka,
  codec: EventCodec,
  results: Partial<BenchResults>,
): Promise<void> {
  const { events, tokens, request } = await ingestFixtures(db, full ? 200_000 : 50_000);
  let sent = 0;
  const nextRequest = () => {
    const n = sent++;
    return request(gp.baseUrl, events[n % events.length] as GeneratedEvent, n);
  };
  results.ingest = await closedLoop(
    nextRequest,
    202,
    settings.ingestConcurrency,
    settings.ingestSeconds,
  );
  const ingest = results.ingest;
  say(
    `2. ingest: ${Math.round(ingest.perSecond)} entries/s, p50 ${ingest.latency.p50.toFixed(1)} ms, p99 ${ingest.latency.p99.toFixed(1)} ms, ${ingest.failed} failed`,
  );
  results.ingestPaced = [];
  for (const rate of settings.ingestRates) {
    const paced = await openLoop(nextRequest, 202, rate, settings.ingestSeconds);
    results.ingestPaced.push({ rate, ...paced });
    say(
      `2. ingest paced at ${rate}/s (achieved ${Math.round(paced.achievedPerSecond)}/s): p50 ${paced.latency.p50.toFixed(1)} ms, p99 ${paced.latency.p99.toFixed(1)} ms, ${paced.failed} failed`,
    );
  }
  results.ingestSteps = await measureIngestSteps({
    token: tokens.values().next().value ?? '',
    kafka,
    codec,
    db,
    schema: `bench_steps_${runId}`,
    serviceUrl: gp.baseUrl,
    events,
    count: settings.ingestStepSamples,
  });
  for (const [step, latency] of Object.entries(results.ingestSteps))
    say(`2. step ${step}: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms`);
  results.ingestRaw = await rawBatchedProducer({
    kafka,
    codec,
    events,
    concurrency: settings.ingestConcurrency,
    seconds: settings.ingestSeconds,
  });
  say(
    `2. raw batched producer: ${Math.round(results.ingestRaw.perSecond)} events/s, p99 ${results.ingestRaw.latency.p99.toFixed(1)} ms`,
  );
}

/**
 * Section 3, publish-to-visible: an event is visible once its partition's checkpoint,
 * committed in the same transaction as its rows, has passed its offset.
 */
function visibilityProbe(kafka: Kafka, codec: EventCodec, db: Client) {
  const serving = isolation.CARELOG_READ_MODEL_SCHEMA;
  const stream = generateEvents({
    seed: settings.seed + 2,
    totalEvents: Infinity,
    firstPatient: 3_000_000,
  });
  return async (perSecond: number, seconds: number) => {
    const pending = new Map<string, SentEvent[]>();
    const latencies: number[] = [];
    // Postgres's own maintenance (auto)vacuum and analyze, sampled every 250 ms: the latencies
    // of events sent before a sample that saw it running and seen after it, apart from the rest.
    const duringMaintenance: number[] = [];
    const outsideMaintenance: number[] = [];
    const maintained = new Set<string>();
    let samples = 0;
    let busySamples = 0;
    let lastBusyAt = -Infinity;
    let nextSampleAt = 0;
    let polling = true;
    const poller = (async () => {
      while (polling || [...pending.values()].some((list) => list.length > 0)) {
        if (performance.now() >= nextSampleAt) {
          nextSampleAt = performance.now() + 250;
          const running = await db.query<{ work: string }>(MAINTENANCE_RUNNING);
          samples += 1;
          if (running.rows.length > 0) {
            busySamples += 1;
            lastBusyAt = performance.now();
            for (const row of running.rows) maintained.add(row.work);
          }
        }
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
            if (!seen) continue;
            latencies.push(now - seen.sentAt);
            (lastBusyAt >= seen.sentAt ? duringMaintenance : outsideMaintenance).push(
              now - seen.sentAt,
            );
          }
        }
        await sleep(5);
      }
    })();
    let sent: Awaited<ReturnType<typeof publishAtRate>>;
    try {
      sent = await publishAtRate(kafka, codec, stream, perSecond, seconds, (batch) => {
        for (const event of batch) {
          const key = `${event.topic}:${event.partition}`;
          const list = pending.get(key) ?? [];
          list.push(event);
          list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
          pending.set(key, list);
        }
      });
    } catch (error) {
      // The poller must not outlive the section (its schema is dropped at the end of the run).
      pending.clear();
      polling = false;
      await poller.catch(() => undefined);
      throw error;
    }
    polling = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        poller,
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('published events did not become visible within 120 s')),
            120_000,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      pending.clear();
      await poller.catch(() => undefined);
    }
    return {
      achievedPerSecond: sent.achievedPerSecond,
      latency: summarise(latencies),
      maintenance: {
        share: samples === 0 ? 0 : busySamples / samples,
        work: [...maintained].sort(),
        during: summarise(duringMaintenance),
        outside: summarise(outsideMaintenance),
      },
    };
  };
}

/** Vacuums and analyzes running in this database now (autovacuum's or anyone's), by table. */
const MAINTENANCE_RUNNING = `
  SELECT 'vacuum ' || n.nspname || '.' || c.relname AS work
  FROM pg_stat_progress_vacuum p JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE p.datname = current_database()
  UNION ALL
  SELECT 'analyze ' || n.nspname || '.' || c.relname
  FROM pg_stat_progress_analyze p JOIN pg_class c ON c.oid = p.relid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE p.datname = current_database()`;

/**
 * Section 6: starts every service in the idle isolation, waits for each to be ready and for
 * start-up work to settle, then measures each one's CPU over `idleSeconds` of nothing happening.
 */
async function measureIdle(
  kafka: Kafka,
  memory: PeakMemory,
): Promise<NonNullable<BenchResults['idle']>> {
  const env = { ...process.env, ...idleIsolation };
  await withTopicPrefix(idleIsolation.CARELOG_TOPIC_PREFIX, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, platformTopics()).finally(() => admin.disconnect());
  });
  const services = PLATFORM_SERVICES.map((spec) =>
    startService({
      name: spec.name,
      port: spec.port + IDLE_PORT_SHIFT,
      env,
      onOutput: serviceOutput,
    }),
  );
  try {
    await Promise.all(services.map((service) => waitForReady(service, 300_000)));
    for (const service of services) memory.watch(`${service.name} (idle)`, service.process.pid);
    say(
      `6. all ${services.length} services ready; settling 15 s, then ${settings.idleSeconds} s idle`,
    );
    await sleep(15_000);
    const cpu = await idleCpu(
      new Map(services.map((service) => [service.name, service.process.pid ?? -1])),
      settings.idleSeconds,
    );
    return { seconds: settings.idleSeconds, cpu };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
  }
}

/** Runs `body` with the topic names of another prefix (topics are named from the environment). */
async function withTopicPrefix<T>(prefix: string, body: () => Promise<T>): Promise<T> {
  const before = process.env['CARELOG_TOPIC_PREFIX'];
  process.env['CARELOG_TOPIC_PREFIX'] = prefix;
  try {
    return await body();
  } finally {
    process.env['CARELOG_TOPIC_PREFIX'] = before;
  }
}

/**
 * Removes the bench's topics and schemas (every one named with this run's id, the idle
 * platform's too): a full run leaves gigabytes behind otherwise.
 */
async function cleanUp(db: Client): Promise<void> {
  const admin = createKafka('carelog-bench-clean-up').admin();
  await admin.connect();
  try {
    const ours = (await admin.listTopics()).filter((topic) => topic.includes(runId));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours });
  } finally {
    await admin.disconnect();
  }
  // The producer service keeps each request's idempotency row in its own schema, by topic.
  await db.query(`DELETE FROM producer.published_entry WHERE topic LIKE $1`, [
    `${isolation.CARELOG_TOPIC_PREFIX}%`,
  ]);
  const schemas = await db.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`,
    [`%${runId}%`],
  );
  for (const { nspname } of schemas.rows)
    await db.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
