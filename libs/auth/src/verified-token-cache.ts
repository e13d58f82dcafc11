/**
 * Tokens already verified, by their exact text, so that a client sending the same bearer token
 * on every request pays for the signature once (issue 20: verification was a tenth of a POST).
 * Each entry lasts until a deadline the caller gives (never beyond the token's `exp`), and the
 * cache holds at most `maxEntries`, dropping the least recently used first.
 *
 * A Map kept in use order rather than a dependency: the only LRU in node_modules is a
 * transitive lru-cache 5, and this needs no more than get, set and evict-oldest.
 */
export class VerifiedTokenCache<T> {
  private readonly entries = new Map<string, { value: T; untilMs: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0)
      throw new Error('the verified token cache needs a whole number of entries, 0 or more');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The verification of this exact token, while its deadline has not passed. */
  get(token: string): T | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    this.entries.delete(token);
    if (this.nowMs() >= entry.untilMs) return undefined;
    this.entries.set(token, entry);
    return entry.value;
  }

  /** Remembers a verification until `untilMs` (epoch milliseconds); one already past is not kept. */
  set(token: string, value: T, untilMs: number): void {
    this.entries.delete(token);
    if (this.maxEntries === 0 || !(untilMs > this.nowMs())) return;
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(token, { value, untilMs });
  }
}

/**
 * How long a verified token may be answered from the cache: until its `exp`, never later (not
 * even within the clock skew jose allows); not at all without a numeric `exp`.
 */
export function cachedUntilMs(expSeconds: number | undefined, verifiedAtMs: number): number {
  if (typeof expSeconds !== 'number' || !Number.isFinite(expSeconds)) return verifiedAtMs;
  return expSeconds * 1000;
}
