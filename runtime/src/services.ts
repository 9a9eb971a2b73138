/**
 * The optional shared services of a replica, chosen by config: Redis for rate limits and
 * the ownership cache (in-process buckets and LRU without it), Kafka for the outbox relay (the log without it), and
 * leadership: a PostgreSQL advisory lock, gated by a Kubernetes Lease when replicas run in a
 * cluster (the Lease decides who leads, the lock still guarantees one relay), and the sole
 * leader on the embedded store.
 */
import type { Logger } from 'pino';
import type { Cache } from './cache/cache.js';
import { createCache } from './cache/create-cache.js';
import type { RedisClient } from './cache/redis-connection.js';
import { connectRedis, redisConnectionFromEnv } from './cache/redis-connection.js';
import { AdvisoryLockLeadership, GatedLeadership, SoleLeadership, type Leadership } from './cluster/leadership.js';
import type { RuntimeConfig } from './config.js';
import { kafkaBrokersFromEnv } from './events/kafka-publisher.js';
import { kafkaRelay } from './events/kafka-relay.js';
import { LogPublisher } from './events/log-publisher.js';
import { OutboxPruner } from './events/outbox-pruner.js';
import { OutboxRelay } from './events/outbox-relay.js';
import { UsageMeter } from './metering/usage-meter.js';
import { MemoryRateLimiter } from './ratelimit/memory-rate-limiter.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { RedisRateLimiter } from './ratelimit/redis-rate-limiter.js';
import type { Store } from './store/store.js';

export interface ReplicaServices {
  readonly limiter?: RateLimiter;
  /** Shared by the replicas in Redis, else this process's LRU; for facts the store also holds. */
  readonly cache: Cache;
  readonly leadership: Leadership;
  /** Which backends are in use, for /health. */
  readonly describe: () => Record<string, unknown>;
  close(): Promise<void>;
}

/** `lease`: present when replicas find each other through Kubernetes; it then decides who leads. */
export function connectServices(config: RuntimeConfig, store: Store, logger: Logger, env: NodeJS.ProcessEnv = process.env, lease?: Leadership): ReplicaServices {
  const redisOptions = redisConnectionFromEnv(env);
  const redis: RedisClient | undefined = redisOptions ? connectRedis(redisOptions) : undefined;
  let limiter: RateLimiter | undefined;
  if (config.rateLimitPerSecond > 0) {
    const policy = { capacity: config.rateLimitBurst, refillPerSecond: config.rateLimitPerSecond };
    limiter = redis ? new RedisRateLimiter({ redis, policy, logger }) : new MemoryRateLimiter({ policy });
  }
  const cache = createCache({ redis, logger });

  let leadership: Leadership = new SoleLeadership();
  let election = 'sole';
  if (config.databaseUrl) {
    const lock = new AdvisoryLockLeadership({ databaseUrl: config.databaseUrl, logger, holder: config.replicaId, timeouts: { connectTimeoutMs: config.dbConnectTimeoutMs, statementTimeoutMs: config.dbStatementTimeoutMs } });
    leadership = lock;
    election = 'advisory-lock';
    if (lease) {
      leadership = new GatedLeadership(lease, lock);
      election = 'lease+advisory-lock';
    }
  }

  const brokers = kafkaBrokersFromEnv(env);
  let relay: OutboxRelay | undefined;
  const leaderEpoch = (): number | undefined => leadership.epoch;
  const meter = new UsageMeter({ store, logger, intervalMs: config.usageIntervalMs, leaderEpoch });
  const pruner = new OutboxPruner({ store, logger, retentionMs: config.outboxRetentionMs, leaderEpoch });
  // Only the leader drains the outbox (events keep their order and go out once), prunes what it delivered, and meters usage.
  leadership.onChange((leader) => {
    if (leader) {
      meter.start();
      pruner.start();
    } else {
      meter.stop();
      void pruner.stop();
    }
    if (leader && !relay) {
      const createTopics = env.DEBUG_HOST_KAFKA_CREATE_TOPICS ? { numPartitions: Number(env.DEBUG_HOST_KAFKA_CREATE_TOPICS) || 3, replicationFactor: 1 } : false;
      relay = brokers
        ? kafkaRelay(store, { brokers, logger, createTopics, leaderEpoch })
        : new OutboxRelay({ store, publisher: new LogPublisher({ logger }), logger, leaderEpoch });
      relay.start();
    } else if (!leader && relay) {
      const stopping = relay;
      relay = undefined;
      void stopping.stop();
    }
  });

  return {
    limiter,
    cache,
    leadership,
    describe: () => ({
      leader: leadership.isLeader,
      leaderElection: election,
      rateLimit: limiter ? (redis ? 'redis' : 'memory') : 'off',
      cache: redis ? 'redis' : 'memory',
      events: brokers ? 'kafka' : 'log',
    }),
    async close() {
      meter.stop();
      await pruner.stop();
      await leadership.stop();
      await relay?.stop();
      await limiter?.close?.();
      await cache.close?.();
      redis?.disconnect();
    },
  };
}
