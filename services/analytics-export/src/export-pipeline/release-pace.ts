/**
 * When the release loop looks next: soon while entries wait for the consent watermark, at the
 * idle pace when none did at the last look, and at once when the consumer has written a
 * batch while the loop was idle.
 *
 * A wake that comes while the loop looks, or while it believes entries still wait, is kept:
 * the look in flight may have counted before that batch was committed and found nothing
 * waiting, and the batch must then be looked at soon, not at the idle pace.
 */
export class ReleasePace {
  /** Entries staged and not yet decided at the last look. */
  private awaiting = 0;
  private wokenSinceLookStarted = false;

  constructor(
    private readonly busyIntervalMs: number,
    private readonly idleIntervalMs: number,
  ) {}

  /**
   * A batch was written: answers whether the loop should be woken (it is at the idle pace);
   * while entries wait it looks soon anyway.
   */
  wake(): boolean {
    this.wokenSinceLookStarted = true;
    return this.awaiting === 0;
  }

  lookStarted(): void {
    this.wokenSinceLookStarted = false;
  }

  /** The look counted `awaiting` entries still undecided. */
  counted(awaiting: number): void {
    this.awaiting = awaiting;
  }

  /** How long after the look that just ended the next one starts. */
  nextIntervalMs(): number {
    return this.awaiting > 0 || this.wokenSinceLookStarted
      ? this.busyIntervalMs
      : this.idleIntervalMs;
  }
}
