/**
 * kafkajs 2.2.4 (the latest release) can freeze a process for ever when a consumer is stopped
 * while its fetchers are being rebuilt. A fetcher that sees the cluster's brokers change throws,
 * and the fetch manager waits for the other fetchers to end and then builds new ones. If the
 * consumer is stopped inside that wait, `Runner.stop` ends only the old fetchers; the new ones
 * ask the stopped runner for batches, which answers `[]` at once, and ask again: a loop of
 * promises that never yields to the event loop. No timer, socket or log line runs again, one
 * core is busy, and `disconnect()` never returns.
 *
 * That is how, in the fault tests (R1: brokers killed, then a rebuild switch), the second
 * projection instance froze while letting the old read-model version go. Here a stopped
 * runner's fetch throws instead of answering `[]`: the new fetchers end, the fetch manager gives
 * up, the runner sees it is stopped, and `disconnect()` completes.
 */
interface RunnerInternals {
  running: boolean;
  fetch: (this: RunnerInternals, nodeId: number) => Promise<unknown[]>;
}

const PATCHED = Symbol.for('carelog.kafkajs.stopped-consumer-fetch');

/** kafkajs's consumer Runner class (not part of its typed API; the same module kafkajs loads). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Runner = require('kafkajs/src/consumer/runner') as {
  prototype: RunnerInternals & { [PATCHED]?: true };
};

/** What a stopped consumer's fetch throws; kafkajs's retrier then sees the runner stopped. */
export class ConsumerStoppedError extends Error {
  override readonly name = 'ConsumerStoppedError';
  /** kafkajs retries what is not marked otherwise; the retry finds the runner stopped and ends. */
  readonly retriable = true;

  constructor() {
    super('the consumer has stopped: no more fetching');
  }
}

/** Applied once per process, before any consumer runs (createKafka calls it). */
export function endFetchersOfStoppedConsumers(): void {
  const prototype = Runner.prototype;
  if (prototype[PATCHED]) return;
  const fetch = prototype.fetch;
  prototype.fetch = function (this: RunnerInternals, nodeId: number) {
    if (!this.running) return Promise.reject(new ConsumerStoppedError());
    return fetch.call(this, nodeId);
  };
  prototype[PATCHED] = true;
}
