/**
 * The rate limiter and cache against the real 6-node Redis Cluster from `scripts/services up
 * redis`: a bucket shared by two limiters (two replicas), fallback to in-process buckets when
 * nodes are killed, and the way back once they are restarted.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, redisConnectionFromEnv, type RedisClient } from '../../runtime/src/cache/redis-connection.js';
import { RedisCache } from '../../runtime/src/cache/redis-cache.js';
import { DebugHostError } from '../../runtime/src/domain/errors.js';
import { bucketKey, RedisRateLimiter } from '../../runtime/src/ratelimit/redis-rate-limiter.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const connection = redisConnectionFromEnv();
if (!connection) {
  throw new Error(
    'DEBUG_HOST_REDIS_URL is not set: start the Redis Cluster with `eval "$(scripts/services up redis)"` and run `npm run test:integration` again.',
  );
}
const PORTS = (process.env.DEBUG_HOST_REDIS_NODES ?? connection.url.replace(/^redis:\/\//, ''))
  .split(',')
  .map((n) => Number(n.slice(n.lastIndexOf(':') + 1)));
const STATE = join(process.env.DEBUG_HOST_SERVICES_DIR ?? join(homedir(), '.cache/debug-host/services'), 'redis');

const services = (action: 'up' | 'status', name: string) =>
  run('bash', [join(ROOT, 'scripts/services'), action, name], { cwd: ROOT, timeout: 170_000 });

async function role(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'role']);
  return stdout.split('\n')[0]?.trim() ?? '';
}

/** EVAL calls served by the whole cluster so far (the limiter's one command). */
async function evalCalls(): Promise<number> {
  const stats = await Promise.all(PORTS.map((port) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'info', 'commandstats'])));
  return stats.reduce((sum, { stdout }) => sum + Number(/cmdstat_eval:calls=(\d+)/.exec(stdout)?.[1] ?? 0), 0);
}

async function kill(port: number): Promise<void> {
  const pid = Number((await readFile(join(STATE, String(port), 'redis.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
}

/** A real pino logger that keeps `level msg` lines. */
function capture(): { lines: string[]; logger: Logger } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, {
    write: (s: string) => {
      const { level, msg } = JSON.parse(s) as { level: number; msg: string };
      lines.push(`${pino.levels.labels[level]} ${msg}`);
    },
  });
  return { lines, logger };
}

async function outcome(p: Promise<void>): Promise<'ok' | 'limited'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof DebugHostError && err.code === 'rate_limited') return 'limited';
    throw err;
  }
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

const tenant = (name: string): string => `${name}-${process.pid}-${Date.now().toString(36)}`;

describe('Redis Cluster: rate limits and cache', () => {
  const clients: RedisClient[] = [];
  const client = (): RedisClient => {
    const c = connectRedis(connection);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    // A previous run may have left nodes stopped: `up` restarts them into the same cluster.
    await services('up', 'redis');
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await services('up', 'redis');
  });

  it('talks to a cluster of 3 primaries and 3 replicas', async () => {
    const roles = await Promise.all(PORTS.map(role));
    expect(roles.filter((r) => r === 'master')).toHaveLength(3);
    expect(roles.filter((r) => r === 'slave')).toHaveLength(3);
  });

  it('two limiters (two replicas) share one bucket per tenant, atomically', async () => {
    const policy = { capacity: 10, refillPerSecond: 0.5 };
    const a = new RedisRateLimiter({ redis: client(), policy });
    const b = new RedisRateLimiter({ redis: client(), policy });
    const t = tenant('shared');
    // 40 concurrent calls over both replicas: exactly the capacity goes through.
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => outcome((i % 2 ? a : b).take(t))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    const err = await b.take(t).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DebugHostError);
    expect((err as DebugHostError).code).toBe('rate_limited');
    const wait = (err as DebugHostError).facts?.retryAfterMs as number;
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(2000);
    expect((err as DebugHostError).message).toMatch(new RegExp(`Tenant '${t}' is over its rate limit of 10 calls .* retry in ${wait} ms`));
    // The bucket is one hash in one slot, and expires once it would be full again.
    const ttl = await client().pttl(bucketKey(t));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(21_000);
    // Another tenant is not affected.
    await a.take(tenant('other'));
    expect(a.degraded || b.degraded).toBe(false);
  });

  it('after a refusal, refuses that tenant itself until the next token is due, then asks Redis again', async () => {
    const policy = { capacity: 2, refillPerSecond: 1 };
    const limiter = new RedisRateLimiter({ redis: client(), policy });
    const peer = new RedisRateLimiter({ redis: client(), policy });
    const t = tenant('flood');
    await limiter.take(t, 2);
    expect(limiter.refusal(t)).toBeUndefined(); // it has not been refused yet: it does not guess
    const first = (await limiter.take(t).catch((e: unknown) => e)) as DebugHostError;
    expect(first.code).toBe('rate_limited');
    const evalsBefore = await evalCalls();
    const refusals = await Promise.all(Array.from({ length: 200 }, () => limiter.take(t).then(() => undefined, (e: unknown) => e as DebugHostError)));
    expect(refusals.every((e) => e instanceof DebugHostError && e.code === 'rate_limited')).toBe(true);
    const waits = refusals.map((e) => e?.facts?.retryAfterMs as number);
    expect(Math.max(...waits)).toBeLessThanOrEqual(first.facts?.retryAfterMs as number);
    expect(limiter.refusal(t)?.code).toBe('rate_limited');
    expect(await evalCalls()).toBe(evalsBefore); // 200 refusals, not one Redis call
    // Another replica has no such knowledge and asks Redis (which refuses it too).
    expect(await outcome(peer.take(t))).toBe('limited');
    expect(await evalCalls()).toBe(evalsBefore + 1);
    // Once the token is due, the call goes through Redis and is allowed.
    await new Promise((r) => setTimeout(r, (first.facts?.retryAfterMs as number) + 20));
    expect(limiter.refusal(t)).toBeUndefined();
    expect(await outcome(limiter.take(t))).toBe('ok');
  });

  it('measures take() latency on the cluster (sequential, 500 calls over 50 tenants)', async () => {
    const limiter = new RedisRateLimiter({ redis: client(), policy: { capacity: 1000, refillPerSecond: 1000 } });
    const ms: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      await limiter.take(`lat-${i % 50}-${process.pid}`);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const p = (q: number): number => Number((ms[Math.floor(q * (ms.length - 1))] ?? 0).toFixed(3));
    expect(limiter.degraded).toBe(false);
    expect(p(0.5)).toBeLessThan(50);
    console.log(JSON.stringify({ redisTakeLatencyMs: { p50: p(0.5), p99: p(0.99), max: p(1) } }));
  });

  it('refills with time as Redis measures it', async () => {
    const limiter = new RedisRateLimiter({ redis: client(), policy: { capacity: 2, refillPerSecond: 10 } });
    const t = tenant('refill');
    await limiter.take(t, 2);
    const wait = ((await limiter.take(t).catch((e: DebugHostError) => e)) as DebugHostError).facts?.retryAfterMs as number;
    expect(wait).toBeLessThanOrEqual(100);
    await new Promise((r) => setTimeout(r, wait + 20));
    await limiter.take(t);
  });

  it('the cache is shared across clients and honours TTL', async () => {
    const one = new RedisCache({ redis: client() });
    const two = new RedisCache({ redis: client() });
    const key = `owner:${tenant('p')}`;
    await one.set(key, 'replica-a', 300);
    expect(await two.get(key)).toBe('replica-a');
    await two.del(key);
    expect(await one.get(key)).toBeUndefined();
    await one.set(key, 'replica-b', 150);
    await new Promise((r) => setTimeout(r, 300));
    expect(await two.get(key)).toBeUndefined();
  });

  it('with every node stopped: limits still hold from local buckets, cache misses, no errors; back on Redis after restart', async () => {
    const { lines, logger } = capture();
    const policy = { capacity: 5, refillPerSecond: 0.1 };
    const limiter = new RedisRateLimiter({ redis: client(), policy, logger, probeIntervalMs: 500 });
    const other = new RedisRateLimiter({ redis: client(), policy });
    const cache = new RedisCache({ redis: client(), logger, probeIntervalMs: 500 });
    const t = tenant('outage');
    await limiter.take(t); // warm: connected, on Redis
    await cache.set('k', 'v', 60_000);

    for (const port of PORTS) await kill(port);
    const started = Date.now();
    const first = await outcome(limiter.take(t));
    const firstMs = Date.now() - started;
    expect(first).toBe('ok');
    expect(limiter.degraded).toBe(true);
    expect(firstMs).toBeLessThan(1000); // bounded by the per-call deadline, not a hang
    // The fallback enforces the same policy locally: neither allow-all nor deny-all.
    const rest = [];
    for (let i = 0; i < 8; i++) rest.push(await outcome(limiter.take(t)));
    expect(rest.filter((r) => r === 'ok')).toHaveLength(4);
    const t0 = Date.now();
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k2', 'v', 1000);
    await cache.del('k');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(lines.filter((l) => l.startsWith('warn'))).toEqual([
      'warn Redis is unreachable; rate limiter falls back until it answers again',
      'warn Redis is unreachable; cache falls back until it answers again',
    ]);

    const upStart = Date.now();
    await services('up', 'redis');
    const upMs = Date.now() - upStart;
    const backMs = await until('the limiter to use Redis again', async () => {
      await outcome(limiter.take(tenant('probe')));
      return !limiter.degraded;
    });
    // On Redis again: the two limiters share a bucket once more.
    const t2 = tenant('after');
    await limiter.take(t2, 5);
    await until('the other limiter to use Redis again', async () => (await outcome(other.take(tenant('probe2')))) === 'ok' && !other.degraded);
    expect(await outcome(other.take(t2))).toBe('limited');
    expect(lines).toContain('info Redis is reachable again; rate limiter uses it again');
    console.log(JSON.stringify({ redisOutage: { firstCallMs: firstMs, servicesUpMs: upMs, backOnRedisAfterUpMs: backMs } }));
  });

  it('losing one primary: calls keep succeeding (fallback during failover), then Redis again', async () => {
    const limiter = new RedisRateLimiter({ redis: client(), policy: { capacity: 1000, refillPerSecond: 1000 } });
    await limiter.take(tenant('warm'));
    const roles = await Promise.all(PORTS.map(async (p) => [p, await role(p)] as const));
    const primary = roles.find(([, r]) => r === 'master')?.[0];
    expect(primary).toBeDefined();
    await kill(primary as number);
    const start = Date.now();
    let degradedSeen = false;
    // Many tenants, so that some of them hash to the dead primary's slots.
    const backMs = await until(
      'every tenant to be served by Redis again',
      async () => {
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => outcome(limiter.take(`failover-${i}`))));
        expect(results.every((r) => r === 'ok')).toBe(true);
        degradedSeen ||= limiter.degraded;
        if (limiter.degraded) return false;
        const survivors = await Promise.all(PORTS.filter((p) => p !== primary).map(role));
        return survivors.filter((r) => r === 'master').length === 3;
      },
      30_000,
    );
    console.log(JSON.stringify({ redisPrimaryLoss: { fallbackUsed: degradedSeen, servedByRedisAgainMs: backMs, totalMs: Date.now() - start } }));
    await services('up', 'redis');
    expect((await services('status', 'redis')).stdout).toMatch(/redis cluster: ok/);
  });
});
