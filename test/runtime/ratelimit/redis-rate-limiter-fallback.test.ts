/**
 * The Redis limiter with no Redis to talk to (a real ioredis client on a closed port): it
 * must keep enforcing limits from in-process buckets, quickly, and say so once. The
 * shared-bucket behaviour on a real Redis Cluster is in test/integration/redis.test.ts.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, type RedisClient } from '../../../runtime/src/cache/redis-connection.js';
import { DebugHostError } from '../../../runtime/src/domain/errors.js';
import { createRateLimiter } from '../../../runtime/src/ratelimit/create-rate-limiter.js';
import { MemoryRateLimiter } from '../../../runtime/src/ratelimit/memory-rate-limiter.js';
import { RedisRateLimiter } from '../../../runtime/src/ratelimit/redis-rate-limiter.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('RedisRateLimiter without Redis', () => {
  let redis: RedisClient;
  beforeAll(async () => {
    redis = connectRedis({ url: `redis://127.0.0.1:${await closedPort()}` });
  });
  afterAll(() => redis.disconnect());

  it('falls back to local buckets with the same policy, fast, and logs the outage once', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void warnings.push((JSON.parse(s) as { msg: string }).msg) });
    const limiter = new RedisRateLimiter({ redis, policy: { capacity: 3, refillPerSecond: 1 }, logger, timeoutMs: 100 });
    const started = Date.now();
    const results: string[] = [];
    for (let i = 0; i < 5; i++) {
      results.push(await limiter.take('acme').then(() => 'ok', (e: DebugHostError) => e.code));
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    expect(limiter.degraded).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(warnings).toEqual(['Redis is unreachable; rate limiter falls back until it answers again']);
  });

  it('an explicit fallback is used as given', async () => {
    const fallback = new MemoryRateLimiter({ policy: { capacity: 1, refillPerSecond: 1 } });
    const limiter = new RedisRateLimiter({ redis, policy: { capacity: 100, refillPerSecond: 100 }, fallback, timeoutMs: 50 });
    await limiter.take('acme');
    await expect(limiter.take('acme')).rejects.toBeInstanceOf(DebugHostError);
  });

  it('createRateLimiter uses Redis when given a client and local buckets otherwise', () => {
    expect(createRateLimiter({ redis })).toBeInstanceOf(RedisRateLimiter);
    expect(createRateLimiter()).toBeInstanceOf(MemoryRateLimiter);
  });
});
