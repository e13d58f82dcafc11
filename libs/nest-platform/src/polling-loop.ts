/** How a failed run is named in the log: the error's type and code, never its message. */
export function failureName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const name = error instanceof Error ? error.name : typeof error;
  return typeof code === 'string' ? `${name} ${code}` : name;
}

export interface PollingLoopOptions<R> {
  /** Names the loop in its log lines: "escalation sweep", "delivery round". */
  name: string;
  /** One run of the loop's work. */
  run(): Promise<R>;
  /**
   * How long after a run has ended the next one starts: a fixed time, or one chosen from what
   * the run answered (undefined after a failed run).
   */
  intervalMs: number | ((result: R | undefined) => number);
  /** How long after start the first run starts; default: the interval. */
  firstRunMs?: number;
  /** Told of every failed run, after it is logged (a metric, say). */
  onError?(error: unknown): void;
  logger: { warn(message: string): void };
}

/**
 * The one way carelog runs work again and again in the background (task escalation, home-
 * reading rules, analytics releases, webhook deliveries): a run starts only after the one before
 * it has ended, so two never overlap; a failed run is logged by its error's type and code (a
 * database error's message can quote a value) and the loop carries on; `stop` ends the
 * timer and waits for a run in flight, so a service shuts down with no run half done. Its
 * timer never keeps a process alive on its own.
 */
export class PollingLoop<R = unknown> {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<R | undefined> | undefined;
  private started = false;
  private wakeRequested = false;

  constructor(private readonly options: PollingLoopOptions<R>) {}

  /** A run is in flight. */
  get isRunning(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule(this.options.firstRunMs ?? this.intervalAfter(undefined));
  }

  /** Asks for a run now, or, if one is in flight, for another as soon as it ends. */
  wake(): void {
    if (!this.started) return;
    if (this.current) this.wakeRequested = true;
    else this.schedule(0);
  }

  /**
   * One run now, outside the timer: the run in flight if there is one (never a second beside
   * it). Answers what it gave, or undefined if it failed (and was logged).
   */
  runNow(): Promise<R | undefined> {
    this.current ??= this.options
      .run()
      .catch((error: unknown) => {
        this.options.logger.warn(
          `${this.options.name} failed: ${failureName(error)}; trying again next time`,
        );
        this.options.onError?.(error);
        return undefined;
      })
      .then((result) => {
        this.current = undefined;
        // The next run is timed from the end of this one, whoever started it.
        if (this.started) {
          const again = this.wakeRequested;
          this.wakeRequested = false;
          this.schedule(again ? 0 : this.intervalAfter(result));
        }
        return result;
      });
    return this.current;
  }

  /** Stops the timer and waits for the run in flight, if any; no run starts after this. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.current;
  }

  private intervalAfter(result: R | undefined): number {
    const { intervalMs } = this.options;
    return typeof intervalMs === 'number' ? intervalMs : intervalMs(result);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.runNow(), delayMs);
    this.timer.unref();
  }
}
