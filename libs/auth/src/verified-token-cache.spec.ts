import { cachedUntilMs, VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('answers a token it holds, by its exact text only', () => {
    const cache = new VerifiedTokenCache<string>(10, clock);
    cache.set('a.b.c', 'caller', now + 1_000);
    expect(cache.get('a.b.c')).toBe('caller');
    expect(cache.get('a.b.c ')).toBeUndefined();
    expect(cache.get('A.b.c')).toBeUndefined();
  });

  it('forgets a token at its deadline, not a millisecond later', () => {
    const cache = new VerifiedTokenCache<string>(10, clock);
    cache.set('t', 'caller', now + 1_000);
    now += 999;
    expect(cache.get('t')).toBe('caller');
    now += 1;
    expect(cache.get('t')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing whose deadline has already passed', () => {
    const cache = new VerifiedTokenCache<string>(10, clock);
    cache.set('past', 'caller', now);
    cache.set('nan', 'caller', Number.NaN);
    expect(cache.size).toBe(0);
  });

  it('holds at most its bound, dropping the least recently used first', () => {
    const cache = new VerifiedTokenCache<string>(2, clock);
    cache.set('one', '1', now + 1_000);
    cache.set('two', '2', now + 1_000);
    expect(cache.get('one')).toBe('1');
    cache.set('three', '3', now + 1_000);
    expect(cache.size).toBe(2);
    expect(cache.get('two')).toBeUndefined();
    expect(cache.get('one')).toBe('1');
    expect(cache.get('three')).toBe('3');
  });

  it('with a bound of 0 keeps nothing', () => {
    const cache = new VerifiedTokenCache<string>(0, clock);
    cache.set('t', 'caller', now + 1_000);
    expect(cache.get('t')).toBeUndefined();
  });

  it('refuses a bound that is not a whole number', () => {
    expect(() => new VerifiedTokenCache<string>(-1)).toThrow(/whole number/);
    expect(() => new VerifiedTokenCache<string>(1.5)).toThrow(/whole number/);
  });
});

describe('cachedUntilMs', () => {
  it('is the token’s exp', () => {
    expect(cachedUntilMs(1_000, 900_000)).toBe(1_000_000);
  });

  it('is no time at all without a numeric exp', () => {
    expect(cachedUntilMs(undefined, 900_000)).toBe(900_000);
    expect(cachedUntilMs(Number.POSITIVE_INFINITY, 900_000)).toBe(900_000);
  });
});
