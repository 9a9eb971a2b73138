import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../../runtime/src/cache/memory-cache.js';

function clock(start = 5_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('MemoryCache (LRU with TTL)', () => {
  it('returns what was set until its TTL runs out', async () => {
    const c = clock();
    const cache = new MemoryCache({ now: c.now });
    await cache.set('owner:p1', 'replica-a', 1000);
    expect(await cache.get('owner:p1')).toBe('replica-a');
    c.advance(999);
    expect(await cache.get('owner:p1')).toBe('replica-a');
    c.advance(1);
    expect(await cache.get('owner:p1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('set replaces the value and restarts the TTL', async () => {
    const c = clock();
    const cache = new MemoryCache({ now: c.now });
    await cache.set('k', 'one', 100);
    c.advance(90);
    await cache.set('k', 'two', 100);
    c.advance(90);
    expect(await cache.get('k')).toBe('two');
  });

  it('evicts the least recently used entry when full; a read counts as a use', async () => {
    const cache = new MemoryCache({ maxEntries: 3, now: clock().now });
    await cache.set('a', '1', 10_000);
    await cache.set('b', '2', 10_000);
    await cache.set('c', '3', 10_000);
    expect(await cache.get('a')).toBe('1'); // a is now the most recent
    await cache.set('d', '4', 10_000); // evicts b
    expect(cache.size).toBe(3);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe('1');
    expect(await cache.get('c')).toBe('3');
    expect(await cache.get('d')).toBe('4');
  });

  it('del removes an entry; a missing key is a miss', async () => {
    const cache = new MemoryCache();
    await cache.set('k', 'v', 1000);
    await cache.del('k');
    await cache.del('never-set');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('defaults to 10000 entries', async () => {
    const cache = new MemoryCache({ now: clock().now });
    for (let i = 0; i < 10_001; i++) cache.setSync(`k${i}`, 'v', 1000);
    expect(cache.size).toBe(10_000);
    expect(cache.getSync('k0')).toBeUndefined();
    expect(cache.getSync('k10000')).toBe('v');
  });

  it('refuses a TTL that is not positive and a size below one', async () => {
    const cache = new MemoryCache();
    await expect(cache.set('k', 'v', 0)).rejects.toThrow(/ttlMs must be a positive number/);
    expect(() => new MemoryCache({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer/);
  });
});
