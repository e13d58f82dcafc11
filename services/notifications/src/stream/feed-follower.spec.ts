import { FeedFollower } from './feed-follower';
import type { FeedPage, SequencedNotification } from './notification-feed';

const POLL_MS = 120_000;
const KEEP_ALIVE_MS = 15_000;

function item(seq: number): SequencedNotification {
  return {
    seq: String(seq),
    notification: {
      id: `n-${seq}`,
      nhsNumber: '9990000018',
      eventId: `e-${seq}`,
      entryType: 'CarePlanChanged',
      occurredAt: '2026-12-03T00:00:00.000Z',
      reason: 'entry-type',
      link: '/v1/patients/9990000018/record',
    },
  };
}

function page(...items: SequencedNotification[]): FeedPage {
  return { visible: items, readUpTo: items.at(-1)?.seq, read: items.length };
}

/**
 * A follower over a scripted feed: each read answers the next scripted step (which may wake
 * or end the follower while the read is in flight, as a commit or a closing client would).
 */
function follow(steps: Array<(follower: FeedFollower) => FeedPage>) {
  const reads: string[] = [];
  const sent: string[] = [];
  let keepAlives = 0;
  const follower: FeedFollower = new FeedFollower({
    read: (after) => {
      reads.push(after);
      const step = steps.shift();
      return Promise.resolve(step ? step(follower) : page());
    },
    send: ({ seq }) => sent.push(seq),
    keepAlive: () => (keepAlives += 1),
    after: '0',
    pageSize: 2,
    pollMs: POLL_MS,
    keepAliveMs: KEEP_ALIVE_MS,
  });
  const done = follower.run();
  return { follower, reads, sent, done, keepAlives: () => keepAlives };
}

describe('a stream following its feed', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reads again at once when woken during a read, not after the poll interval', async () => {
    // The notification is committed after the first read's snapshot; its wake comes while that read is in flight.
    const { follower, reads, sent, done } = follow([
      (self) => {
        self.wake();
        return page();
      },
      () => page(item(7)),
    ]);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['7']);
    expect(reads).toEqual(['0', '0']);
    follower.end();
    await done;
  });

  it('waits at the end of the feed until woken, then reads after what it sent', async () => {
    const { follower, reads, sent, done } = follow([() => page(item(3)), () => page(item(4))]);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['3']);
    expect(reads).toEqual(['0']);
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS - 1);
    expect(reads).toHaveLength(1);
    follower.wake();
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['3', '4']);
    expect(reads).toEqual(['0', '3']);
    follower.end();
    await done;
  });

  it('reads the next page without waiting while pages come full', async () => {
    const { follower, sent, done } = follow([
      () => page(item(1), item(2)),
      () => page(item(3), item(4)),
      () => page(item(5)),
    ]);
    await jest.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['1', '2', '3', '4', '5']);
    follower.end();
    await done;
  });

  it('keeps an idle stream alive, and looks again when nothing wakes it', async () => {
    const { follower, reads, done, keepAlives } = follow([]);
    await jest.advanceTimersByTimeAsync(0);
    expect(keepAlives()).toBe(0);
    await jest.advanceTimersByTimeAsync(KEEP_ALIVE_MS);
    expect(keepAlives()).toBe(1);
    expect(reads.length).toBe(2);
    follower.end();
    await done;
  });

  it('stops after the read in flight when the client goes away, and sends nothing more', async () => {
    const { reads, sent, done } = follow([
      (self) => {
        self.end();
        return page(item(9));
      },
    ]);
    await done;
    expect(reads).toHaveLength(1);
    expect(sent).toEqual(['9']);
  });

  it('throws a failed read to its caller', async () => {
    const follower = new FeedFollower({
      read: () => Promise.reject(new Error('database gone')),
      send: () => undefined,
      keepAlive: () => undefined,
      after: '0',
      pageSize: 2,
      pollMs: POLL_MS,
      keepAliveMs: KEEP_ALIVE_MS,
    });
    await expect(follower.run()).rejects.toThrow('database gone');
  });
});
