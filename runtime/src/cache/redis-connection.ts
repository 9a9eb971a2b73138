/**
 * One way to reach Redis for the cache and the rate limiter: a Redis Cluster client (the
 * platform's deployment) or a single node. Callers bound every command with `RedisGuard`,
 * so these options only keep reconnection going and failures fast.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port` (`rediss://` for TLS): a node to start from. */
  readonly url: string;
  /** Talk Redis Cluster (slots, MOVED, failover). @default false */
  readonly cluster?: boolean;
  /** More `host:port` seeds for the cluster, tried besides `url`. @default - only `url` */
  readonly nodes?: readonly string[];
}

/**
 * From `DEBUG_HOST_REDIS_URL`, `DEBUG_HOST_REDIS_CLUSTER` (`1`/`true`) and
 * `DEBUG_HOST_REDIS_NODES` (comma-separated seeds); undefined when no URL is set.
 */
export function redisConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConnectionOptions | undefined {
  const url = env.DEBUG_HOST_REDIS_URL?.trim();
  if (!url) return undefined;
  const nodes = (env.DEBUG_HOST_REDIS_NODES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n.length > 0);
  const cluster = /^(1|true|yes)$/i.test(env.DEBUG_HOST_REDIS_CLUSTER ?? '') || nodes.length > 0;
  return { url, cluster, nodes };
}

function hostPort(spec: string): { host: string; port: number } {
  const i = spec.lastIndexOf(':');
  const port = Number(spec.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) throw new RangeError(`Redis node '${spec}' must be host:port`);
  return { host: spec.slice(0, i), port };
}

export function connectRedis(options: RedisConnectionOptions): RedisClient {
  const url = new URL(options.url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RangeError(`Redis URL '${options.url}' must start with redis:// or rediss://`);
  }
  const common: RedisOptions = {
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectTimeout: 1_000,
    // One retry at most: a caller waiting on Redis is better served by its fallback.
    maxRetriesPerRequest: 1,
  };
  const seed = { host: url.hostname, port: Number(url.port || 6379) };
  let client: RedisClient;
  if (options.cluster) {
    client = new Cluster([seed, ...(options.nodes ?? []).map(hostPort)], {
      redisOptions: common,
      clusterRetryStrategy: (times) => Math.min(100 * times, 2_000),
      slotsRefreshTimeout: 1_000,
    });
  } else {
    client = new Redis({ ...common, host: seed.host, port: seed.port, retryStrategy: (times) => Math.min(100 * times, 2_000) });
  }
  // Outages are reported by RedisGuard, once; ioredis would otherwise print every retry.
  client.on('error', () => undefined);
  return client;
}
