/**
 * Picks the cache from the runtime's config: shared in Redis when a Redis client is given,
 * a bounded in-process LRU otherwise.
 */
import type { Logger } from 'pino';
import type { Cache } from './cache.js';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';
import type { RedisClient } from './redis-connection.js';

export interface CreateCacheOptions {
  /** @default - no Redis: an in-process LRU */
  readonly redis?: RedisClient;
  /** Entries of the in-process LRU. @default 10000 */
  readonly maxEntries?: number;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
}

export function createCache(options: CreateCacheOptions = {}): Cache {
  return options.redis ? new RedisCache({ redis: options.redis, logger: options.logger }) : new MemoryCache({ maxEntries: options.maxEntries });
}
