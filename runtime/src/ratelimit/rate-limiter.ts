/**
 * Per-tenant rate limits: a token bucket per tenant. `take` resolves when the call may go
 * ahead and throws a `rate_limited` DebugHostError, with `retryAfterMs`, when it may not.
 *
 * Implementations: `MemoryRateLimiter` (one process; the embedded default and the fallback)
 * and `RedisRateLimiter` (one bucket shared by every replica, in Redis Cluster).
 */
import { DebugHostError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';

export interface RateLimiter {
  /** Takes `cost` tokens (@default 1) from the tenant's bucket, or throws `rate_limited`. */
  take(tenantId: TenantId, cost?: number): Promise<void>;
  /**
   * The `rate_limited` error a one-token call would get now, when this replica knows it
   * without a round trip (its own bucket, or a recent refusal from the shared one); takes
   * nothing. Lets the server turn a flood away before it costs an MCP request.
   */
  refusal(tenantId: TenantId): DebugHostError | undefined;
  close?(): Promise<void>;
}

/** A tenant's bucket: `capacity` calls at once, refilled at `refillPerSecond`. */
export interface RateLimitPolicy {
  /** Largest burst, in tokens. */
  readonly capacity: number;
  /** Tokens added per second, up to `capacity`. */
  readonly refillPerSecond: number;
}

/** The same policy for every tenant, or one chosen per tenant (say, from its plan). */
export type PolicySource = RateLimitPolicy | ((tenantId: TenantId) => RateLimitPolicy);

/** 20 calls at once, 10 per second sustained. */
export const DEFAULT_RATE_LIMIT: RateLimitPolicy = Object.freeze({ capacity: 20, refillPerSecond: 10 });

export function policyFor(source: PolicySource, tenantId: TenantId): RateLimitPolicy {
  const policy = typeof source === 'function' ? source(tenantId) : source;
  if (!(policy.capacity > 0) || !(policy.refillPerSecond > 0)) {
    throw new RangeError(`rate limit policy for tenant '${tenantId}' needs capacity > 0 and refillPerSecond > 0`);
  }
  return policy;
}

/** A cost outside 1..capacity can never be granted: that is the caller's bug, not a limit. */
export function checkCost(tenantId: TenantId, cost: number, policy: RateLimitPolicy): void {
  if (!Number.isFinite(cost) || cost <= 0 || cost > policy.capacity) {
    throw new RangeError(`rate limit cost ${cost} for tenant '${tenantId}' must be in (0, ${policy.capacity}]`);
  }
}

export function rateLimited(tenantId: TenantId, policy: RateLimitPolicy, retryAfterMs: number): DebugHostError {
  // The epsilon keeps float noise (1.0000000000000009 ms) from adding a whole millisecond.
  const wait = Math.max(1, Math.ceil(retryAfterMs - 1e-6));
  return new DebugHostError(
    'rate_limited',
    `Tenant '${tenantId}' is over its rate limit of ${policy.capacity} calls in a burst and ` +
      `${policy.refillPerSecond} per second; retry in ${wait} ms.`,
    {
      fix: `Wait ${wait} ms before the next call, spread calls out, or ask a platform admin to raise the tenant's rate limit.`,
      facts: { retryAfterMs: wait, capacity: policy.capacity, refillPerSecond: policy.refillPerSecond },
    },
  );
}
