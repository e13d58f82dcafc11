import type { ClosedLoopResult } from './http-load';
import type { MachineInfo } from './machine';
import type { PeerResults } from './peer';
import type { LatencySummary } from './stats';

export interface BenchResults {
  prefill: { events: number; bytes: number; seconds: number; perSecond: number };
  b1: { perSecond: number; seconds: number };
  b2: { events: number; rows: number; seconds: number; perSecond: number };
  /** B3: COPY of the same rows into the same tables and indexes. */
  b3?: { events: number; rows: number; seconds: number; perSecond: number };
  projection: { perSecond: number; seconds: number; readyAfterSeconds: number; events?: number };
  reads: {
    entries: number;
    shownToGp: number;
    firstPage: LatencySummary;
    oneEntry: LatencySummary;
    /** The whole GP journal, every page of 500 lines, one request after another. */
    journal: LatencySummary;
    journalPages?: number;
    journalLines?: number;
    /** Absent in reports from before journals were paged. */
    journalFirstPage?: LatencySummary;
    journalFirstPageLines?: number;
    wholeRecord: LatencySummary;
    wholeRecordPages: number;
  };
  rebuild: { seconds: number; perSecond: number; events?: number };
  ingest: ClosedLoopResult;
  /** The same entries through a raw batched producer (acks=all, idempotent) in the same run. */
  ingestRaw?: { perSecond: number; latency: LatencySummary };
  /** Ingest paced at a fixed rate: latency at that rate. */
  ingestPaced?: Array<{
    rate: number;
    achievedPerSecond: number;
    latency: LatencySummary;
    failed: number;
  }>;
  /** Where an ingest request's time goes, step by step, measured apart. */
  ingestSteps?: Record<string, LatencySummary>;
  visible: Array<{
    rate: number;
    achievedPerSecond: number;
    latency: LatencySummary;
    /**
     * Postgres's vacuums and analyzes while the section ran (sampled every 250 ms): the share
     * of samples that saw one, the tables, and the latencies of events in flight while one ran
     * (sent before a sample that saw it, seen after) apart from the others.
     */
    maintenance?: {
      share: number;
      work: string[];
      during: LatencySummary;
      outside: LatencySummary;
    };
  }>;
  /** Share of one core each service used over the idle window (0.01 = 1 %). */
  idle?: { seconds: number; cpu: Record<string, number> };
  /** The side-by-side with a FHIR server (`--peer`). */
  peer?: PeerResults;
  /** Peak resident set (VmHWM) per process, MiB. */
  memory: Record<string, number>;
}

export interface ReportInput {
  machine: MachineInfo;
  settings: Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date;
  runId: string;
  results: BenchResults;
  /** Each section that failed (or was skipped), with why: the other figures are still reported. */
  failures?: Record<string, string>;
}

/** The targets of issues 8, 15 and 20, on a 2-core machine with everything on it. */
export const TARGETS = {
  projectionPerSecond: 10_000,
  projectionShareOfBaseline: 0.5,
  visibleP99At500Ms: 100,
  firstPageP99Ms: 20,
  firstPageOverOneEntryP99: 2,
  journalFirstPageP99Ms: 30,
  rebuildSeconds: 100,
  ingestPerSecond: 3_000,
  ingestP99At1000Ms: 50,
  idleCoreShare: 0.01,
};

const n = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-GB', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || !(base > 0) ? 'n/a' : `${n(value / base, 2)} ×`;
const verdict = (met: boolean | undefined): string =>
  met === undefined ? 'not measured' : met ? '**met**' : '**missed**';
const ms = (summary: LatencySummary | undefined): string =>
  summary ? `p50 ${n(summary.p50, 1)} ms, p99 ${n(summary.p99, 1)} ms (n=${summary.count})` : 'n/a';

type Row = [string, string, string, string, string];

export function renderReport(input: ReportInput): {
  markdown: string;
  json: unknown;
  summary: string;
} {
  const { machine, results: r } = input;
  const failures = input.failures ?? {};
  const baseline = Math.min(r.b1?.perSecond ?? NaN, r.b2?.perSecond ?? NaN);
  const at500 = r.visible?.find((v) => v.rate === 500);
  const at1000 = r.ingestPaced?.find((v) => v.rate === 1000);
  const quick = Number(input.settings['events']) < 1_000_000 || input.settings['quick'] === true;
  const reads = r.reads;
  const rows: Row[] = [
    [
      '1. Projection throughput (pre-filled topics)',
      `${n(r.projection?.perSecond)} events/s = ${ratio(r.projection?.perSecond, r.b2?.perSecond)} B2, ${ratio(r.projection?.perSecond, r.b3?.perSecond)} B3`,
      `≥ ${n(TARGETS.projectionPerSecond)} events/s and ≥ 0.5 × min(B1, B2) = ${n(0.5 * baseline)}`,
      `B1 raw kafkajs consumer ${n(r.b1?.perSecond)} events/s; B2 raw pg unnest INSERT ${n(r.b2?.perSecond)} events/s; B3 raw pg COPY ${n(r.b3?.perSecond)} events/s`,
      verdict(
        r.projection &&
          r.projection.perSecond >= TARGETS.projectionPerSecond &&
          r.projection.perSecond >= TARGETS.projectionShareOfBaseline * baseline,
      ),
    ],
    [
      '2. HTTP ingest, one producer service, acks=all, idempotent (closed loop)',
      r.ingest
        ? `${n(r.ingest.perSecond)} entries/s; ${ms(r.ingest.latency)}; ${n(r.ingest.failed)} failed`
        : 'n/a',
      `≥ ${n(TARGETS.ingestPerSecond)} entries/s`,
      `raw batched producer, same entries, same run: ${n(r.ingestRaw?.perSecond)} events/s; pre-fill ${n(r.prefill?.perSecond)} events/s`,
      verdict(r.ingest && r.ingest.perSecond >= TARGETS.ingestPerSecond),
    ],
    ...(r.ingestPaced ?? []).map((v): Row => [
      `2. HTTP ingest paced at ${n(v.rate)} entries/s (achieved ${n(v.achievedPerSecond)})`,
      `${ms(v.latency)}; ${n(v.failed)} failed`,
      v.rate === 1000 ? `p99 ≤ ${TARGETS.ingestP99At1000Ms} ms` : 'none set',
      '',
      v.rate === 1000
        ? verdict(v.latency.p99 <= TARGETS.ingestP99At1000Ms && v.failed === 0)
        : 'measured',
    ]),
    ...Object.entries(r.ingestSteps ?? {}).map(([step, latency]): Row => [
      `2. Ingest step: ${step}`,
      ms(latency),
      'none set',
      '',
      'measured',
    ]),
    ...(r.visible ?? []).flatMap((v): Row[] => [
      [
        `3. Publish-to-visible at ${n(v.rate)} events/s (achieved ${n(v.achievedPerSecond)})`,
        ms(v.latency),
        v.rate === 500 ? `p99 ≤ ${TARGETS.visibleP99At500Ms} ms` : 'none set',
        '',
        v.rate === 500 ? verdict(v.latency.p99 <= TARGETS.visibleP99At500Ms) : 'measured',
      ],
      ...(v.maintenance
        ? [
            [
              `3. … at ${n(v.rate)}/s, events in flight while Postgres vacuumed or analyzed (${n(v.maintenance.share * 100, 0)} % of the time: ${v.maintenance.work.join(', ') || 'none'})`,
              `${ms(v.maintenance.during)}; the other events ${ms(v.maintenance.outside)}`,
              'none set',
              '',
              'measured',
            ] satisfies Row,
          ]
        : []),
    ]),
    [
      `4. First record page (50 entries), patient with ${n(reads?.entries)} entries`,
      ms(reads?.firstPage),
      `p99 ≤ ${TARGETS.firstPageP99Ms} ms and ≤ ${TARGETS.firstPageOverOneEntryP99} × one entry's p99 (${ratio(reads?.firstPage.p99, reads?.oneEntry.p99)})`,
      `one entry p99 ${n(reads?.oneEntry.p99, 1)} ms`,
      verdict(
        reads &&
          reads.firstPage.p99 <= TARGETS.firstPageP99Ms &&
          reads.firstPage.p99 <= TARGETS.firstPageOverOneEntryP99 * reads.oneEntry.p99,
      ),
    ],
    [
      '4. One entry of the same patient (the fixed cost of a read: token, patient gate, audit)',
      ms(reads?.oneEntry),
      'none set',
      '',
      'measured',
    ],
    [
      `4. First page of the GP journal view (${n(reads?.journalFirstPageLines)} lines)`,
      ms(reads?.journalFirstPage),
      `p99 ≤ ${TARGETS.journalFirstPageP99Ms} ms`,
      '',
      verdict(
        reads?.journalFirstPage && reads.journalFirstPage.p99 <= TARGETS.journalFirstPageP99Ms,
      ),
    ],
    [
      `4. Whole GP journal, every page of 500 lines (${n(reads?.journalPages)} requests, ${n(reads?.journalLines)} lines)`,
      ms(reads?.journal),
      'none set',
      '',
      'measured',
    ],
    [
      `4. Whole record, every page of 200 (${n(reads?.wholeRecordPages)} requests, ${n(reads?.shownToGp)} entries shown to the GP)`,
      ms(reads?.wholeRecord),
      'none set',
      '',
      'measured',
    ],
    [
      `5. Rebuild of the read model from ${n(r.rebuild?.events ?? r.prefill?.events)} events`,
      `${n(r.rebuild?.seconds, 1)} s (${n(r.rebuild?.perSecond)} events/s = ${ratio(r.rebuild?.perSecond, r.b2?.perSecond)} B2, ${ratio(r.rebuild?.perSecond, r.b3?.perSecond)} B3, ${ratio(r.rebuild?.perSecond, r.projection?.perSecond)} the projection; process start to switch-over)`,
      `≤ ${TARGETS.rebuildSeconds} s for 1,000,000 events`,
      `B2 ${n(r.b2?.perSecond)} events/s; B3 ${n(r.b3?.perSecond)} events/s`,
      quick
        ? 'quick run: the target is for 1,000,000 events'
        : verdict(r.rebuild && r.rebuild.seconds <= TARGETS.rebuildSeconds),
    ],
    ...Object.entries(r.idle?.cpu ?? {}).map(([service, share]): Row => [
      `6. Idle: ${service}, share of one core over ${n(r.idle?.seconds)} s with nothing happening`,
      `${n(share * 100, 2)} %`,
      `≤ ${n(TARGETS.idleCoreShare * 100)} %`,
      '',
      verdict(share <= TARGETS.idleCoreShare),
    ]),
    ...(r.peer
      ? ([
          [
            `Peer: ${r.peer.clients} clients posting the same test results for ${n(r.peer.seconds)} s`,
            `carelog ${n(r.peer.ingest.carelog.perSecond)} entries/s, ${ms(r.peer.ingest.carelog.latency)}`,
            'none set',
            `FHIR server at ${r.peer.baseUrl}: ${n(r.peer.ingest.peer.perSecond)} resources/s, ${ms(r.peer.ingest.peer.latency)}`,
            'measured',
          ],
          [
            `Peer: first page (${r.peer.reads.pageSize}) of the ${n(r.peer.reads.entries)}-entry patient`,
            `carelog /record ${ms(r.peer.reads.carelogFirstPage)}`,
            'none set',
            `FHIR $everything ${ms(r.peer.reads.peerFirstPage)}`,
            'measured',
          ],
          [
            `Peer: the whole patient, page by page (${r.peer.reads.pageSize} a page)`,
            `carelog ${n(r.peer.reads.carelogWalkPages)} pages, ${ms(r.peer.reads.carelogWalk)}`,
            'none set',
            `FHIR ${n(r.peer.reads.peerWalkPages)} pages, ${ms(r.peer.reads.peerWalk)}`,
            'measured',
          ],
        ] as Row[])
      : []),
    [
      '7. Peak memory (VmHWM)',
      Object.entries(r.memory ?? {})
        .map(([name, mib]) => `${name} ${n(mib)} MiB`)
        .join('; '),
      'none set',
      '',
      'measured',
    ],
  ];
  const table = [
    '| measure | figure | target | baseline | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`),
  ].join('\n');
  const failed = Object.entries(failures);
  const failureText =
    failed.length === 0
      ? 'Every section ran to the end.'
      : `**${failed.length} section(s) did not complete**; their figures say n/a:\n\n${failed
          .map(([name, why]) => `- \`${name}\`: ${why.replaceAll('\n', ' ')}`)
          .join('\n')}`;
  const markdown = `# carelog benchmark results

Written by \`npm run bench\` (tools/bench). Run \`${input.runId}\`, ${input.startedAt.toISOString()} to ${input.finishedAt.toISOString()}.

${failureText}

## Machine

| | |
| --- | --- |
| CPU | ${machine.cpuModel}, ${machine.cores} cores |
| RAM | ${machine.ramGiB} GiB |
| Node.js | ${machine.node} (kafkajs ${machine.kafkajs}) |
| Kafka | Apache Kafka ${machine.kafka}, single node KRaft, on this machine |
| Postgres | ${machine.postgres}, on this machine |
| 1-minute load average | ${n(machine.loadAtStart, 2)} at start, ${n(machine.loadAtEnd, 2)} at end |

Everything (Kafka, Postgres, the services and the load generator) runs on this one machine.

## Settings

| | |
| --- | --- |
${Object.entries(input.settings)
  .map(([key, value]) => `| ${key} | ${Array.isArray(value) ? value.join(', ') : String(value)} |`)
  .join('\n')}

## Figures

${table}

B1, B2 and B3 are steady-state rates of the same ${n(r.prefill?.events)} events in the same run:
B1 reads them with a plain kafkajs consumer that only counts them; B2 inserts the rows the
projection writes (history and record rows, same tables and indexes) with a hand-written
unnest INSERT over one \`pg\` connection, timing only the database round trips; B3 writes the
same rows with \`COPY ... FROM STDIN\` (text format), in the same batches, into the same tables and
indexes, the practical ceiling for these writes. The projection's rate is steady state (first
progress to all done); it was ready ${n(r.projection?.readyAfterSeconds, 1)} s after its
process started and done ${n(r.projection?.seconds, 1)} s after. Pre-filling took
${n(r.prefill?.seconds, 1)} s (${n(r.prefill?.perSecond)} events/s,
${n((r.prefill?.bytes ?? 0) / (r.prefill?.events || 1))} bytes per event).
Publish-to-visible is from the raw producer's send to the first poll (every 5 ms) that sees
the partition's checkpoint past the event's offset; the checkpoint is committed in the same
transaction as the rows, so the record API would serve the entry from then on.
`;
  const summary = [
    ...rows.map(([measure, figure, target, base, met]) =>
      [measure, `  ${figure}`, `  target: ${target}`, base ? `  baseline: ${base}` : '', `  ${met}`]
        .filter(Boolean)
        .join('\n'),
    ),
    failureText,
  ].join('\n');
  return {
    markdown,
    json: {
      ...input,
      baselineMin: baseline,
      targets: TARGETS,
      at500: at500?.latency,
      ingestAt1000: at1000?.latency,
    },
    summary,
  };
}
