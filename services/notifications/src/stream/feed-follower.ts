import type { FeedPage, SequencedNotification } from './notification-feed';

export interface FeedFollowerOptions {
  /** Reads the page after a cursor. */
  read(after: string): Promise<FeedPage>;
  /** Writes one notification to the stream. */
  send(item: SequencedNotification): void;
  /** Writes a comment line so that proxies keep an idle stream open. */
  keepAlive(): void;
  /** Where the stream starts. */
  after: string;
  /** Notifications read per page. */
  pageSize: number;
  /** How long it waits at the end of the feed when nothing wakes it. */
  pollMs: number;
  /** How long a stream may go without a write before a keep-alive. */
  keepAliveMs: number;
}

/**
 * One open stream following an identity's feed: it reads a page, sends what may be sent, and at
 * the end of the feed waits until it is woken (a notification was stored), `pollMs` passes or a
 * keep-alive is due.
 *
 * A wake that comes while a page is being read is kept: the notification it announces may
 * have been committed after that read's snapshot, and must be read now, not after the poll
 * interval (which is long, since wakes do the work). `end` stops it after the read in flight.
 */
export class FeedFollower {
  private open = true;
  private woken = false;
  private resolveWait: (() => void) | undefined;

  constructor(private readonly options: FeedFollowerOptions) {}

  /** New notifications were stored: look again now, or as soon as the read in flight ends. */
  wake(): void {
    this.woken = true;
    this.resolveWait?.();
  }

  /** The client went away, or the service is stopping. */
  end(): void {
    this.open = false;
    this.resolveWait?.();
  }

  /** Follows the feed until `end`; a failed read is thrown to the caller. */
  async run(): Promise<void> {
    const { options } = this;
    const { pageSize, pollMs, keepAliveMs } = options;
    let cursor = this.options.after;
    let lastWrite = Date.now();
    while (this.open) {
      this.woken = false;
      const page = await options.read(cursor);
      for (const item of page.visible) options.send(item);
      if (page.visible.length > 0) lastWrite = Date.now();
      cursor = page.readUpTo ?? cursor;
      if (Date.now() - lastWrite >= keepAliveMs) {
        options.keepAlive();
        lastWrite = Date.now();
      }
      if (page.read < pageSize && this.open && !this.woken)
        await this.waitUpTo(Math.min(pollMs, keepAliveMs - (Date.now() - lastWrite)));
    }
  }

  private async waitUpTo(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.resolveWait = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.resolveWait = undefined;
  }
}
