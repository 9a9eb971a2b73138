/**
 * Picks the rate limiter from the runtime's config: shared buckets in Redis when a Redis
 * client is given (a cluster), in-process buckets otherwise (embedded, one replica).
 */
import type { Logger } from 'pino';
import type { RedisClient } from '../cache/redis-connection.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { PolicySource, RateLimiter } from './rate-limiter.js';
import { RedisRateLimiter } from './redis-rate-limiter.js';

export interface CreateRateLimiterOptions {
  /** @default - no Redis: in-process buckets */
  readonly redis?: RedisClient;
  /** @default DEFAULT_RATE_LIMIT */
  readonly policy?: PolicySource;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
}

export function createRateLimiter(options: CreateRateLimiterOptions = {}): RateLimiter {
  return options.redis
    ? new RedisRateLimiter({ redis: options.redis, policy: options.policy, logger: options.logger })
    : new MemoryRateLimiter({ policy: options.policy });
}
