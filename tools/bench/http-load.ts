import { summarise, type LatencySummary } from './stats';

export interface HttpRequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** One request, timed; the body is read in full (a reader waits for all of it). */
export async function timed(
  spec: HttpRequestSpec,
): Promise<{ ms: number; status: number; text: string }> {
  const started = performance.now();
  const response = await fetch(spec.url, {
    method: spec.method,
    headers: spec.headers,
    signal: AbortSignal.timeout(30_000),
    ...(spec.body !== undefined ? { body: spec.body } : {}),
  });
  const text = await response.text();
  return { ms: performance.now() - started, status: response.status, text };
}

export interface ClosedLoopResult {
  requests: number;
  failed: number;
  perSecond: number;
  latency: LatencySummary;
  /** Status codes of failed requests, with how many. */
  failures: Record<string, number>;
}

/**
 * `concurrency` clients, each sending its next request as soon as the last is answered, for
 * `seconds`. Throughput counts answers with the expected status; latency is over those too.
 */
export async function closedLoop(
  next: () => HttpRequestSpec,
  expectStatus: number,
  concurrency: number,
  seconds: number,
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const answer = await timed(next()).catch(() => ({ ms: 0, status: 0, text: '' }));
      if (answer.status === expectStatus) latencies.push(answer.ms);
      else {
        failed++;
        failures[String(answer.status)] = (failures[String(answer.status)] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const elapsed = (performance.now() - started) / 1000;
  return {
    requests: latencies.length + failed,
    failed,
    perSecond: latencies.length / elapsed,
    latency: summarise(latencies),
    failures,
  };
}

/** `measure` run one after another, `count` times after `warmUp` untimed runs; each returns ms. */
export async function sequential(
  measure: () => Promise<number>,
  count: number,
  warmUp: number,
): Promise<LatencySummary> {
  const samples: number[] = [];
  for (let i = 0; i < warmUp + count; i++) {
    const ms = await measure();
    if (i >= warmUp) samples.push(ms);
  }
  return summarise(samples);
}

/**
 * An open loop: requests start at a fixed rate (a tick every 10 ms starts its share) whether or
 * not earlier ones have been answered, for `seconds`; latency is each request's own. A request
 * due while `maxOutstanding` are unanswered is not sent and counts as failed (`backlogged`), so
 * that a service slower than the rate ends the run instead of queueing it for ever.
 */
export async function openLoop(
  next: () => HttpRequestSpec,
  expectStatus: number,
  perSecond: number,
  seconds: number,
  maxOutstanding = Math.max(64, perSecond * 2),
): Promise<{
  achievedPerSecond: number;
  latency: LatencySummary;
  failed: number;
  backlogged: number;
}> {
  const latencies: number[] = [];
  let failed = 0;
  let started = 0;
  let outstanding = 0;
  let backlogged = 0;
  const answers: Array<Promise<void>> = [];
  const tickMs = 10;
  const ticks = Math.round((seconds * 1000) / tickMs);
  const begin = performance.now();
  let owed = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const wait = begin + tick * tickMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    owed += (perSecond * tickMs) / 1000;
    for (; owed >= 1; owed--) {
      if (outstanding >= maxOutstanding) {
        backlogged++;
        failed++;
        continue;
      }
      started++;
      outstanding++;
      answers.push(
        timed(next())
          .catch(() => ({ ms: 0, status: 0, text: '' }))
          .then((answer) => {
            outstanding--;
            if (answer.status === expectStatus) latencies.push(answer.ms);
            else failed++;
          }),
      );
    }
  }
  const sentFor = (performance.now() - begin) / 1000;
  await Promise.all(answers);
  return {
    achievedPerSecond: started / sentFor,
    latency: summarise(latencies),
    failed,
    backlogged,
  };
}
