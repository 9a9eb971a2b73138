/**
 * The optional shared services of a replica, chosen by config: Redis for rate limits
 * (in-process buckets without it), Kafka for the outbox relay (the log without it), and
 * PostgreSQL advisory-lock leadership (sole leader on the embedded store).
 */
import type { Logger } from 'pino';
import type { RedisClient } from './cache/redis-connection.js';
import { connectRedis, redisConnectionFromEnv } from './cache/redis-connection.js';
import { AdvisoryLockLeadership, SoleLeadership, type Leadership } from './cluster/leadership.js';
import type { RuntimeConfig } from './config.js';
import { kafkaBrokersFromEnv } from './events/kafka-publisher.js';
import { kafkaRelay } from './events/kafka-relay.js';
import { LogPublisher } from './events/log-publisher.js';
import { OutboxRelay } from './events/outbox-relay.js';
import { UsageMeter } from './metering/usage-meter.js';
import { MemoryRateLimiter } from './ratelimit/memory-rate-limiter.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { RedisRateLimiter } from './ratelimit/redis-rate-limiter.js';
import type { Store } from './store/store.js';

export interface ReplicaServices {
  readonly limiter?: RateLimiter;
  readonly leadership: Leadership;
  /** Which backends are in use, for /health. */
  readonly describe: () => Record<string, unknown>;
  close(): Promise<void>;
}

export function connectServices(config: RuntimeConfig, store: Store, logger: Logger, env: NodeJS.ProcessEnv = process.env): ReplicaServices {
  const redisOptions = redisConnectionFromEnv(env);
  let redis: RedisClient | undefined;
  let limiter: RateLimiter | undefined;
  if (config.rateLimitPerSecond > 0) {
    const policy = { capacity: config.rateLimitBurst, refillPerSecond: config.rateLimitPerSecond };
    if (redisOptions) {
      redis = connectRedis(redisOptions);
      limiter = new RedisRateLimiter({ redis, policy, logger });
    } else limiter = new MemoryRateLimiter({ policy });
  }

  const leadership: Leadership = config.databaseUrl
    ? new AdvisoryLockLeadership({ databaseUrl: config.databaseUrl, logger })
    : new SoleLeadership();

  const brokers = kafkaBrokersFromEnv(env);
  let relay: OutboxRelay | undefined;
  const meter = new UsageMeter({ store, logger, intervalMs: config.usageIntervalMs });
  // Only the leader drains the outbox (events keep their order and go out once) and meters usage.
  leadership.onChange((leader) => {
    if (leader) meter.start();
    else meter.stop();
    if (leader && !relay) {
      const createTopics = env.DEBUG_HOST_KAFKA_CREATE_TOPICS ? { numPartitions: Number(env.DEBUG_HOST_KAFKA_CREATE_TOPICS) || 3, replicationFactor: 1 } : false;
      relay = brokers ? kafkaRelay(store, { brokers, logger, createTopics }) : new OutboxRelay({ store, publisher: new LogPublisher({ logger }), logger });
      relay.start();
    } else if (!leader && relay) {
      const stopping = relay;
      relay = undefined;
      void stopping.stop();
    }
  });

  return {
    limiter,
    leadership,
    describe: () => ({
      leader: leadership.isLeader,
      rateLimit: limiter ? (redis ? 'redis' : 'memory') : 'off',
      events: brokers ? 'kafka' : 'log',
    }),
    async close() {
      meter.stop();
      await leadership.stop();
      await relay?.stop();
      await limiter?.close?.();
      redis?.disconnect();
    },
  };
}
