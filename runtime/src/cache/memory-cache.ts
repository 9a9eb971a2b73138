/**
 * An in-process LRU cache with a TTL per entry. A Map keeps insertion order, so re-inserting
 * on each hit makes its first key the least recently used one: eviction is O(1) and there
 * is no timer (expired entries go when read or evicted).
 */
import { checkTtl, type Cache } from './cache.js';

export interface MemoryCacheOptions {
  /** Entries kept at most; the least recently used goes first. @default 10000 */
  readonly maxEntries?: number;
  /** Milliseconds since some epoch; injectable for tests. @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

export class MemoryCache implements Cache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`MemoryCache maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string | undefined> {
    return this.getSync(key);
  }

  getSync(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  setSync(key: string, value: string, ttlMs: number): void {
    checkTtl(ttlMs);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** Entries held, expired ones included until they are read or evicted. */
  get size(): number {
    return this.entries.size;
  }
}
