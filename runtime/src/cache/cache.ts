/**
 * A cache of small string values (ownership, lookups) that are also known elsewhere: a
 * miss is always a correct answer, only slower. Implementations never throw on their own
 * failures; callers JSON-encode structured values.
 *
 * `MemoryCache` (bounded LRU with TTL, per process) is the embedded default; `RedisCache`
 * shares entries across replicas and answers "miss" while Redis is unreachable.
 */
export interface Cache {
  /** The value, or undefined when absent, expired or unreachable. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs` milliseconds (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(key: string): Promise<void>;
  close?(): Promise<void>;
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`cache ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
}
