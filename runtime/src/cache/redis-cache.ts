/**
 * A cache shared by every replica, in Redis (Cluster or single node). Redis errors and
 * timeouts are misses for `get` and no-ops for `set`/`del`: the caller goes to the system of
 * record, never sees an error. The TTL bounds how stale an entry can be after a `del` that
 * was lost in an outage.
 */
import type { Logger } from 'pino';
import { checkTtl, type Cache } from './cache.js';
import type { RedisClient } from './redis-connection.js';
import { RedisGuard } from './redis-guard.js';

export interface RedisCacheOptions {
  /** The caller owns the client and closes it. */
  readonly redis: RedisClient;
  /** Put before every key. @default 'debug-host:cache:' */
  readonly keyPrefix?: string;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** Deadline of one Redis call; past it the call is a miss. @default 250 */
  readonly timeoutMs?: number;
  /** How often to try Redis again while it is down. @default 1000 */
  readonly probeIntervalMs?: number;
}

export class RedisCache implements Cache {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly guard: RedisGuard;

  constructor(options: RedisCacheOptions) {
    this.redis = options.redis;
    this.prefix = options.keyPrefix ?? 'debug-host:cache:';
    this.guard = new RedisGuard({ name: 'cache', logger: options.logger, timeoutMs: options.timeoutMs, probeIntervalMs: options.probeIntervalMs });
  }

  /** True while Redis is considered unreachable (every get is a miss). */
  get degraded(): boolean {
    return this.guard.isDown;
  }

  async get(key: string): Promise<string | undefined> {
    const r = await this.guard.run(() => this.redis.get(this.prefix + key));
    return r.ok && r.value !== null ? r.value : undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    checkTtl(ttlMs);
    await this.guard.run(() => this.redis.set(this.prefix + key, value, 'PX', Math.ceil(ttlMs)));
  }

  async del(key: string): Promise<void> {
    await this.guard.run(() => this.redis.del(this.prefix + key));
  }
}
