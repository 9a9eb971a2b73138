/** The Redis cache with no Redis to talk to: every call is a quick miss or no-op, never an error. */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../runtime/src/cache/create-cache.js';
import { MemoryCache } from '../../../runtime/src/cache/memory-cache.js';
import { RedisCache } from '../../../runtime/src/cache/redis-cache.js';
import { connectRedis, redisConnectionFromEnv, type RedisClient } from '../../../runtime/src/cache/redis-connection.js';

describe('RedisCache without Redis', () => {
  let redis: RedisClient;
  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    redis = connectRedis({ url: `redis://127.0.0.1:${port}` });
  });
  afterAll(() => redis.disconnect());

  it('misses and ignores writes without throwing', async () => {
    const cache = new RedisCache({ redis, timeoutMs: 100 });
    const started = Date.now();
    await cache.set('k', 'v', 1000);
    expect(await cache.get('k')).toBeUndefined();
    await cache.del('k');
    expect(cache.degraded).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('createCache uses Redis when given a client and an LRU otherwise', () => {
    expect(createCache({ redis })).toBeInstanceOf(RedisCache);
    expect(createCache()).toBeInstanceOf(MemoryCache);
  });
});

describe('redisConnectionFromEnv', () => {
  it('reads the variables scripts/services prints', () => {
    expect(redisConnectionFromEnv({})).toBeUndefined();
    expect(redisConnectionFromEnv({ DEBUG_HOST_REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({ url: 'redis://127.0.0.1:6379', cluster: false, nodes: [] });
    expect(
      redisConnectionFromEnv({
        DEBUG_HOST_REDIS_URL: 'redis://127.0.0.1:57001',
        DEBUG_HOST_REDIS_CLUSTER: '1',
        DEBUG_HOST_REDIS_NODES: '127.0.0.1:57001, 127.0.0.1:57002',
      }),
    ).toEqual({ url: 'redis://127.0.0.1:57001', cluster: true, nodes: ['127.0.0.1:57001', '127.0.0.1:57002'] });
  });

  it('refuses a URL that is not redis://', () => {
    expect(() => connectRedis({ url: 'http://127.0.0.1:6379' })).toThrow(/must start with redis:\/\/ or rediss:\/\//);
  });
});
