import type { ClosedLoopResult } from './http-load';
import type { MachineInfo } from './machine';
import type { LatencySummary } from './stats';

export interface BenchResults {
  prefill: { events: number; bytes: number; seconds: number; perSecond: number };
  b1: { perSecond: number; seconds: number };
  b2: { events: number; rows: number; seconds: number; perSecond: number };
  projection: { perSecond: number; seconds: number; readyAfterSeconds: number };
  reads: {
    entries: number;
    shownToGp: number;
    firstPage: LatencySummary;
    oneEntry: LatencySummary;
    journal: LatencySummary;
    /** Absent in reports from before journals were paged. */
    journalFirstPage?: LatencySummary;
    wholeRecord: LatencySummary;
    wholeRecordPages: number;
  };
  rebuild: { seconds: number; perSecond: number };
  ingest: ClosedLoopResult;
  visible: Array<{ rate: number; achievedPerSecond: number; latency: LatencySummary }>;
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
  /** Why the run stopped early, if it did: the figures before it are still reported. */
  failure?: string;
}

/** The targets of issue 8, on a 2-core machine with everything on it. */
export const TARGETS = {
  projectionPerSecond: 10_000,
  projectionShareOfBaseline: 0.5,
  visibleP99At500Ms: 100,
  firstPageP99Ms: 20,
  rebuildSeconds: 100,
};

const n = (value: number | undefined, digits = 0): string =>
  value === undefined || Number.isNaN(value)
    ? 'n/a'
    : value.toLocaleString('en-GB', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });
const verdict = (met: boolean | undefined): string =>
  met === undefined ? 'not measured' : met ? '**met**' : '**missed**';
const ms = (summary: LatencySummary | undefined): string =>
  summary ? `p50 ${n(summary.p50, 1)} ms, p99 ${n(summary.p99, 1)} ms (n=${summary.count})` : 'n/a';

export function renderReport(input: ReportInput): {
  markdown: string;
  json: unknown;
  summary: string;
} {
  const { machine, results: r } = input;
  const baseline = Math.min(r.b1?.perSecond ?? NaN, r.b2?.perSecond ?? NaN);
  const at500 = r.visible?.find((v) => v.rate === 500);
  const rows: Array<[string, string, string, string, string]> = [
    [
      '1. Projection throughput (pre-filled topics)',
      `${n(r.projection?.perSecond)} events/s`,
      `≥ ${n(TARGETS.projectionPerSecond)} events/s and ≥ 0.5 × min(B1, B2) = ${n(0.5 * baseline)}`,
      `B1 raw kafkajs consumer ${n(r.b1?.perSecond)} events/s; B2 raw pg bulk insert ${n(r.b2?.perSecond)} events/s`,
      verdict(
        r.projection &&
          r.projection.perSecond >= TARGETS.projectionPerSecond &&
          r.projection.perSecond >= TARGETS.projectionShareOfBaseline * baseline,
      ),
    ],
    [
      '2. HTTP ingest, one producer service, acks=all',
      `${n(r.ingest?.perSecond)} entries/s; ${ms(r.ingest?.latency)}; ${n(r.ingest?.failed)} failed`,
      'none set',
      `raw producer pre-fill (batched) ${n(r.prefill?.perSecond)} events/s`,
      'measured',
    ],
    ...(r.visible ?? []).map((v): [string, string, string, string, string] => [
      `3. Publish-to-visible at ${n(v.rate)} events/s (achieved ${n(v.achievedPerSecond)})`,
      ms(v.latency),
      v.rate === 500 ? `p99 ≤ ${TARGETS.visibleP99At500Ms} ms` : 'none set',
      '',
      v.rate === 500 ? verdict(v.latency.p99 <= TARGETS.visibleP99At500Ms) : 'measured',
    ]),
    [
      `4. First record page (50 entries), patient with ${n(r.reads?.entries)} entries`,
      ms(r.reads?.firstPage),
      `p99 ≤ ${TARGETS.firstPageP99Ms} ms`,
      '',
      verdict(r.reads && r.reads.firstPage.p99 <= TARGETS.firstPageP99Ms),
    ],
    [
      '4. One entry of the same patient (the fixed cost of a read: token, patient gate, audit)',
      ms(r.reads?.oneEntry),
      'none set',
      '',
      'measured',
    ],
    [
      '4. Whole record as the GP journal view (every page of 500 lines)',
      ms(r.reads?.journal),
      'none set',
      '',
      'measured',
    ],
    [
      '4. First page of the GP journal view (200 lines)',
      ms(r.reads?.journalFirstPage),
      'none set',
      '',
      'measured',
    ],
    [
      `4. Whole record, every page of 200 (${n(r.reads?.wholeRecordPages)} requests, ${n(r.reads?.shownToGp)} entries shown to the GP)`,
      ms(r.reads?.wholeRecord),
      'none set',
      '',
      'measured',
    ],
    [
      `5. Rebuild of the read model from ${n(r.prefill?.events)} events`,
      `${n(r.rebuild?.seconds, 1)} s (${n(r.rebuild?.perSecond)} events/s, process start to switch-over)`,
      `≤ ${TARGETS.rebuildSeconds} s`,
      '',
      Number(input.settings['events']) < 1_000_000
        ? 'quick run: the target is for 1,000,000 events'
        : verdict(r.rebuild && r.rebuild.seconds <= TARGETS.rebuildSeconds),
    ],
    [
      '6. Peak memory (VmHWM)',
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
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const markdown = `# carelog benchmark results

Written by \`npm run bench\` (tools/bench). Run \`${input.runId}\`, ${input.startedAt.toISOString()} to ${input.finishedAt.toISOString()}.

${input.failure ? `**The run stopped early: ${input.failure}.** Figures not reached say n/a.\n\n` : ''}## Machine

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

B1 and B2 are steady-state rates of the same ${n(r.prefill?.events)} events in the same run:
B1 reads them with a plain kafkajs consumer that only counts them; B2 inserts the rows the
projection writes (history and record rows, same tables and indexes) with a hand-written
unnest INSERT over one \`pg\` connection, timing only the database round trips. The
projection's rate is steady state (first progress to all done); it was ready
${n(r.projection?.readyAfterSeconds, 1)} s after its process started and done
${n(r.projection?.seconds, 1)} s after. Pre-filling took ${n(r.prefill?.seconds, 1)} s
(${n(r.prefill?.perSecond)} events/s, ${n((r.prefill?.bytes ?? 0) / (r.prefill?.events || 1))} bytes per event).
Publish-to-visible is from the raw producer's send to the first poll (every 5 ms) that sees
the partition's checkpoint past the event's offset; the checkpoint is committed in the same
transaction as the rows, so the record API would serve the entry from then on.
`;
  const summary = rows
    .map(([measure, figure, target, base, met]) =>
      [measure, `  ${figure}`, `  target: ${target}`, base ? `  baseline: ${base}` : '', `  ${met}`]
        .filter(Boolean)
        .join('\n'),
    )
    .join('\n');
  return {
    markdown,
    json: { ...input, baselineMin: baseline, targets: TARGETS, at500: at500?.latency },
    summary,
  };
}
