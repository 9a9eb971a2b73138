/**
 * One token bucket per tenant shared by every replica: a hash at `{<tenant>}:ratelimit`
 * (the braces make it a hash tag, so the key has one slot in Redis Cluster) updated by one
 * Lua script, so that refill, check and take are atomic. The script reads Redis's own
 * clock, so replicas with skewed clocks still agree.
 *
 * While Redis is unreachable the limiter falls back to in-process buckets (never to "allow
 * all" or "deny all"), logs that once, and goes back to Redis when a probe succeeds. During
 * an outage each replica enforces the policy on its own, so a tenant spread over N replicas
 * may get up to N times its rate: pass a stricter `fallback` to change that.
 *
 * A refusal says when the next token comes (`retryAfterMs`, by Redis's clock). Until then,
 * counted from before the call went out, every one-token call is refused too (tokens only
 * come back with time), so this replica refuses them itself: a flood that ignores
 * `retryAfterMs` costs one Redis call per refusal window instead of one per call.
 */
import type { Logger } from 'pino';
import type { DebugHostError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';
import type { RedisClient } from '../cache/redis-connection.js';
import { RedisGuard } from '../cache/redis-guard.js';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { checkCost, DEFAULT_RATE_LIMIT, policyFor, rateLimited, type PolicySource, type RateLimiter } from './rate-limiter.js';

/**
 * KEYS[1] bucket; ARGV capacity, refill per ms, cost. Returns {allowed 0|1, retryAfterMs,
 * tokens left as a string} (Lua numbers become integers on the way out).
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return {allowed, retry, tostring(tokens)}
`;

export interface RedisRateLimiterOptions {
  /** An ioredis Cluster or single-node client; the caller owns it and closes it. */
  readonly redis: RedisClient;
  /** @default DEFAULT_RATE_LIMIT (20 in a burst, 10 per second) */
  readonly policy?: PolicySource;
  /** Used while Redis is unreachable. @default - a MemoryRateLimiter with the same policy */
  readonly fallback?: RateLimiter;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** Deadline of one Redis call before falling back. @default 250 */
  readonly timeoutMs?: number;
  /** How often to try Redis again while it is down. @default 1000 */
  readonly probeIntervalMs?: number;
}

export const bucketKey = (tenantId: TenantId): string => `{${tenantId}}:ratelimit`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisClient;
  private readonly policy: PolicySource;
  private readonly fallback: RateLimiter;
  private readonly guard: RedisGuard;
  /** Tenant -> local time before which its shared bucket is known to hold less than one token. */
  private readonly emptyUntil = new Map<TenantId, number>();

  constructor(options: RedisRateLimiterOptions) {
    this.redis = options.redis;
    this.policy = options.policy ?? DEFAULT_RATE_LIMIT;
    this.fallback = options.fallback ?? new MemoryRateLimiter({ policy: this.policy });
    this.guard = new RedisGuard({
      name: 'rate limiter',
      logger: options.logger,
      timeoutMs: options.timeoutMs,
      probeIntervalMs: options.probeIntervalMs,
    });
  }

  /** True while the limiter is using its in-process fallback. */
  get degraded(): boolean {
    return this.guard.isDown;
  }

  async take(tenantId: TenantId, cost = 1): Promise<void> {
    const policy = policyFor(this.policy, tenantId);
    checkCost(tenantId, cost, policy);
    const known = this.refusal(tenantId);
    if (known) throw known;
    const sentAt = Date.now();
    const result = await this.guard.run(() =>
      this.redis.eval(TOKEN_BUCKET_LUA, 1, bucketKey(tenantId), policy.capacity, policy.refillPerSecond / 1000, cost),
    );
    if (!result.ok) return this.fallback.take(tenantId, cost);
    const [allowed, retryAfterMs] = parseReply(result.value);
    if (allowed) return;
    // Only a one-token refusal says when one token comes back.
    if (cost === 1) this.emptyUntil.set(tenantId, sentAt + retryAfterMs);
    throw rateLimited(tenantId, policy, retryAfterMs);
  }

  refusal(tenantId: TenantId): DebugHostError | undefined {
    if (this.guard.isDown) return this.fallback.refusal(tenantId);
    const until = this.emptyUntil.get(tenantId);
    if (until === undefined) return undefined;
    const left = until - Date.now();
    if (left > 0) return rateLimited(tenantId, policyFor(this.policy, tenantId), left);
    this.emptyUntil.delete(tenantId);
    return undefined;
  }

  async close(): Promise<void> {
    await this.fallback.close?.();
  }
}

function parseReply(reply: unknown): [boolean, number] {
  if (!Array.isArray(reply) || reply.length < 2) throw new Error(`unexpected token bucket reply: ${JSON.stringify(reply)}`);
  return [Number(reply[0]) === 1, Number(reply[1])];
}
