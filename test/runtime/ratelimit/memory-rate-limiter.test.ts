import { describe, expect, it } from 'vitest';
import { DebugHostError } from '../../../runtime/src/domain/errors.js';
import { MemoryRateLimiter, refill } from '../../../runtime/src/ratelimit/memory-rate-limiter.js';
import { DEFAULT_RATE_LIMIT, rateLimited } from '../../../runtime/src/ratelimit/rate-limiter.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

async function denial(p: Promise<unknown>): Promise<DebugHostError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DebugHostError)) throw new Error(`expected a DebugHostError, got ${String(err)}`);
  return err;
}

describe('MemoryRateLimiter (token bucket)', () => {
  it('defaults to 20 calls in a burst and 10 per second', () => {
    expect(DEFAULT_RATE_LIMIT).toEqual({ capacity: 20, refillPerSecond: 10 });
    const c = clock();
    const limiter = new MemoryRateLimiter({ now: c.now });
    for (let i = 0; i < 20; i++) limiter.takeSync('acme');
    expect(() => limiter.takeSync('acme')).toThrow(/rate limit of 20 calls in a burst and 10 per second/);
  });

  it('allows a full burst, then refills at the configured rate', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ policy: { capacity: 5, refillPerSecond: 2 }, now: c.now });
    for (let i = 0; i < 5; i++) await limiter.take('acme');
    const err = await denial(limiter.take('acme'));
    expect(err.code).toBe('rate_limited');
    // One token at 2 per second is 500 ms away.
    expect(err.facts).toMatchObject({ retryAfterMs: 500, capacity: 5, refillPerSecond: 2 });
    expect(err.message).toBe("Tenant 'acme' is over its rate limit of 5 calls in a burst and 2 per second; retry in 500 ms.");
    expect(err.fix).toMatch(/Wait 500 ms/);

    c.advance(499);
    expect((await denial(limiter.take('acme'))).facts).toMatchObject({ retryAfterMs: 1 });
    c.advance(1);
    await expect(limiter.take('acme')).resolves.toBeUndefined();
    await denial(limiter.take('acme'));
  });

  it('retryAfterMs is exactly when the call would succeed', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ policy: { capacity: 10, refillPerSecond: 3 }, now: c.now });
    await limiter.take('acme', 10);
    const wait = (await denial(limiter.take('acme', 4))).facts?.retryAfterMs as number;
    expect(wait).toBe(1334); // 4 tokens / 3 per second, rounded up
    c.advance(wait - 2);
    await denial(limiter.take('acme', 4));
    c.advance(2);
    await limiter.take('acme', 4);
  });

  it('does not charge denied calls and never refills past capacity', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ policy: { capacity: 3, refillPerSecond: 1 }, now: c.now });
    await limiter.take('acme', 3);
    for (let i = 0; i < 10; i++) await denial(limiter.take('acme'));
    c.advance(1000);
    expect(limiter.available('acme')).toBe(1);
    c.advance(3_600_000);
    expect(limiter.available('acme')).toBe(3);
  });

  it('keeps one bucket per tenant', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ policy: { capacity: 2, refillPerSecond: 1 }, now: c.now });
    await limiter.take('a', 2);
    await denial(limiter.take('a'));
    await limiter.take('b', 2);
  });

  it('takes a policy per tenant', async () => {
    const limiter = new MemoryRateLimiter({
      policy: (tenant) => (tenant === 'big' ? { capacity: 100, refillPerSecond: 50 } : { capacity: 1, refillPerSecond: 1 }),
      now: clock().now,
    });
    await limiter.take('big', 100);
    await limiter.take('small');
    expect((await denial(limiter.take('small'))).facts).toMatchObject({ capacity: 1 });
  });

  it('rejects costs that could never be granted, and invalid policies', async () => {
    const limiter = new MemoryRateLimiter({ policy: { capacity: 5, refillPerSecond: 1 } });
    await expect(limiter.take('acme', 6)).rejects.toThrow(RangeError);
    await expect(limiter.take('acme', 0)).rejects.toThrow(/must be in \(0, 5\]/);
    await expect(new MemoryRateLimiter({ policy: { capacity: 0, refillPerSecond: 1 } }).take('x')).rejects.toThrow(/capacity > 0/);
  });

  it('stays bounded: full buckets are dropped first, then the least recently used', async () => {
    const c = clock();
    const limiter = new MemoryRateLimiter({ policy: { capacity: 2, refillPerSecond: 1 }, now: c.now, maxTenants: 10 });
    for (let i = 0; i < 10; i++) await limiter.take(`t${i}`);
    expect(limiter.size).toBe(10);
    c.advance(1000); // all of them are full again
    await limiter.take('new');
    expect(limiter.size).toBe(1);
    for (let i = 0; i < 12; i++) await limiter.take(`u${i}`, 2);
    expect(limiter.size).toBeLessThanOrEqual(10);
    // The most recent tenant is still known to be empty.
    await denial(limiter.take('u11'));
  });

  it('refill is linear in elapsed time and ignores a clock going backwards', () => {
    expect(refill(0, 0, 250, 10, 4)).toBe(1);
    expect(refill(2, 1000, 500, 10, 4)).toBe(2);
    expect(refill(9.5, 0, 1000, 10, 4)).toBe(10);
  });

  it('rounds retryAfterMs up to at least 1 ms', () => {
    expect(rateLimited('acme', { capacity: 1, refillPerSecond: 1 }, 0.2).facts).toMatchObject({ retryAfterMs: 1 });
  });
});
