import { failureName, PollingLoop } from './polling-loop';

/** A run the test ends when it chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const quietLogger = () => {
  const lines: string[] = [];
  return { lines, warn: (line: string) => void lines.push(line) };
};

describe('PollingLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs first after the interval, then again an interval after each run ends', async () => {
    let runs = 0;
    const loop = new PollingLoop({
      name: 'sweep',
      run: () => Promise.resolve(++runs),
      intervalMs: 1000,
      logger: quietLogger(),
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(999);
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(4);
    await loop.stop();
  });

  it('never starts a run while one is in flight, however many intervals pass', async () => {
    let inFlight = 0;
    let most = 0;
    let runs = 0;
    const held = deferred<void>();
    const loop = new PollingLoop({
      name: 'sweep',
      run: async () => {
        runs += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        if (runs === 1) await held.promise;
        inFlight -= 1;
      },
      intervalMs: 10,
      logger: quietLogger(),
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    expect(loop.isRunning).toBe(true);
    await jest.advanceTimersByTimeAsync(500);
    // Asking for a run directly joins the one in flight rather than starting a second.
    void loop.runNow();
    loop.wake();
    expect(runs).toBe(1);
    held.resolve();
    await jest.advanceTimersByTimeAsync(0);
    // The wake asked for one more run as soon as the first ended.
    expect(runs).toBe(2);
    expect(most).toBe(1);
    await loop.stop();
  });

  it('logs a failed run by its type and code only, and keeps going', async () => {
    const logger = quietLogger();
    const failures: unknown[] = [];
    let runs = 0;
    const loop = new PollingLoop<number>({
      name: 'delivery round',
      run: () => {
        runs += 1;
        if (runs === 1)
          return Promise.reject(
            Object.assign(new TypeError('value 9434765919 is not allowed'), { code: '23514' }),
          );
        return Promise.resolve(runs);
      },
      intervalMs: (result) => (result === undefined ? 50 : 100),
      firstRunMs: 100,
      onError: (error) => failures.push(error),
      logger,
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
    expect(failures).toHaveLength(1);
    expect(logger.lines).toEqual([
      'delivery round failed: TypeError 23514; trying again next time',
    ]);
    expect(logger.lines.join()).not.toContain('9434765919');
    // After a failure the interval chosen for "no result" applies: 50 ms, not 100.
    await jest.advanceTimersByTimeAsync(50);
    expect(runs).toBe(2);
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBe(3);
    await loop.stop();
  });

  it('stops: waits for the run in flight, and starts none after', async () => {
    let runs = 0;
    let finished = false;
    const held = deferred<void>();
    const loop = new PollingLoop({
      name: 'sweep',
      run: async () => {
        runs += 1;
        await held.promise;
        finished = true;
      },
      intervalMs: 10,
      logger: quietLogger(),
    });
    loop.start();
    await jest.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    held.resolve();
    await stopping;
    expect(finished).toBe(true);
    await jest.advanceTimersByTimeAsync(1000);
    loop.wake();
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
  });

  it('names a failure without its message', () => {
    expect(failureName(new RangeError('NHS number 9434765919'))).toBe('RangeError');
    expect(failureName(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      'Error ECONNREFUSED',
    );
    expect(failureName('text')).toBe('string');
  });
});
