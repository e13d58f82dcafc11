import { nextRoundDelayMs } from './webhook-worker';

/** When the delivery worker looks again, now that nothing polls it every half second. */
describe('nextRoundDelayMs', () => {
  const webhook = { batch: 20, pollMs: 30_000 };

  it('given a full round, then the next starts at once (more may be due)', () => {
    expect(nextRoundDelayMs(20, 5000, webhook)).toBe(0);
  });

  it('given a round that failed on our side, then the next is soon, not a poll interval away', () => {
    expect(nextRoundDelayMs(undefined, undefined, webhook)).toBe(1000);
    expect(nextRoundDelayMs(undefined, undefined, { batch: 20, pollMs: 100 })).toBe(100);
  });

  it('given a retry due in 2 s, then the next round is when it falls due', () => {
    expect(nextRoundDelayMs(3, 2000.4, webhook)).toBe(2001);
  });

  it('given a delivery already due, then the next round is at once', () => {
    expect(nextRoundDelayMs(0, -150, webhook)).toBe(0);
  });

  it('given nothing pending, or nothing due within it, then the worker waits the poll interval (a stored notification wakes it sooner)', () => {
    expect(nextRoundDelayMs(0, undefined, webhook)).toBe(30_000);
    expect(nextRoundDelayMs(0, 3_600_000, webhook)).toBe(30_000);
  });
});
