/**
 * Token buckets per tenant in this process: the embedded default, and what the Redis limiter
 * falls back to while Redis is unreachable. Buckets are refilled lazily on each `take`, so
 * there is no timer; a bucket that would be full again is the same as no bucket and may be
 * dropped to keep memory bounded.
 */
import type { DebugHostError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';
import { checkCost, DEFAULT_RATE_LIMIT, policyFor, rateLimited, type PolicySource, type RateLimiter } from './rate-limiter.js';

export interface MemoryRateLimiterOptions {
  /** @default DEFAULT_RATE_LIMIT (20 in a burst, 10 per second) */
  readonly policy?: PolicySource;
  /** Milliseconds since some epoch; injectable for tests. @default Date.now */
  readonly now?: () => number;
  /** Buckets kept at most; full buckets go first, then the least recently used. @default 10000 */
  readonly maxTenants?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Tokens in a bucket after refilling it up to `now`. */
export function refill(tokens: number, updatedAt: number, now: number, capacity: number, refillPerSecond: number): number {
  const elapsed = Math.max(0, now - updatedAt);
  return Math.min(capacity, tokens + (elapsed * refillPerSecond) / 1000);
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<TenantId, Bucket>();
  private readonly policy: PolicySource;
  private readonly now: () => number;
  private readonly maxTenants: number;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.policy = options.policy ?? DEFAULT_RATE_LIMIT;
    this.now = options.now ?? Date.now;
    this.maxTenants = options.maxTenants ?? 10_000;
  }

  async take(tenantId: TenantId, cost = 1): Promise<void> {
    this.takeSync(tenantId, cost);
  }

  /** The same as `take`, for callers that are not async. */
  takeSync(tenantId: TenantId, cost = 1): void {
    const policy = policyFor(this.policy, tenantId);
    checkCost(tenantId, cost, policy);
    const now = this.now();
    const bucket = this.buckets.get(tenantId);
    const tokens = bucket ? refill(bucket.tokens, bucket.updatedAt, now, policy.capacity, policy.refillPerSecond) : policy.capacity;
    if (tokens < cost) {
      // A denied call costs nothing; the bucket keeps refilling from where it was.
      throw rateLimited(tenantId, policy, ((cost - tokens) * 1000) / policy.refillPerSecond);
    }
    // Re-inserting moves the tenant to the back of the map's order (most recently used).
    this.buckets.delete(tenantId);
    this.buckets.set(tenantId, { tokens: tokens - cost, updatedAt: now });
    if (this.buckets.size > this.maxTenants) this.evict(now);
  }

  refusal(tenantId: TenantId): DebugHostError | undefined {
    const policy = policyFor(this.policy, tenantId);
    const tokens = this.available(tenantId);
    return tokens < 1 ? rateLimited(tenantId, policy, ((1 - tokens) * 1000) / policy.refillPerSecond) : undefined;
  }

  /** Tokens the tenant could spend now (for tests and metrics). */
  available(tenantId: TenantId): number {
    const policy = policyFor(this.policy, tenantId);
    const bucket = this.buckets.get(tenantId);
    return bucket ? refill(bucket.tokens, bucket.updatedAt, this.now(), policy.capacity, policy.refillPerSecond) : policy.capacity;
  }

  get size(): number {
    return this.buckets.size;
  }

  private evict(now: number): void {
    for (const [tenantId, bucket] of this.buckets) {
      const policy = policyFor(this.policy, tenantId);
      if (refill(bucket.tokens, bucket.updatedAt, now, policy.capacity, policy.refillPerSecond) >= policy.capacity) {
        this.buckets.delete(tenantId);
      }
    }
    // Still over: forget the least recently used (they get a full bucket back, a bounded
    // leniency), down to 90% so that the scan above is not repeated on every new tenant.
    const target = Math.floor(this.maxTenants * 0.9);
    for (const tenantId of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(tenantId);
    }
  }
}
