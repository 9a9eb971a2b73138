/**
 * A circuit breaker around Redis calls. Each call gets a deadline; after a failure the
 * guard answers "unavailable" at once (callers use their fallback) and lets one call probe
 * Redis every `probeIntervalMs` until it answers again. Each outage and each recovery is
 * logged once, not per call.
 */
import type { Logger } from 'pino';
import { inSpan, SpanKind } from '../tracing/spans.js';

export interface RedisGuardOptions {
  /** What this guard protects, for the log lines (`rate limiter`, `cache`). */
  readonly name: string;
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
  /** Deadline of one Redis call. @default 250 */
  readonly timeoutMs?: number;
  /** While Redis is down, how often one call tries it again. @default 1000 */
  readonly probeIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export type Guarded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error?: unknown };

export class RedisGuard {
  private readonly name: string;
  private readonly logger?: Pick<Logger, 'warn' | 'info'>;
  private readonly timeoutMs: number;
  private readonly probeIntervalMs: number;
  private readonly now: () => number;
  private down = false;
  private nextProbeAt = 0;
  private downSince = 0;

  constructor(options: RedisGuardOptions) {
    this.name = options.name;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 250;
    this.probeIntervalMs = options.probeIntervalMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** True while Redis is considered unreachable. */
  get isDown(): boolean {
    return this.down;
  }

  async run<T>(op: () => Promise<T>): Promise<Guarded<T>> {
    if (this.down) {
      const now = this.now();
      if (now < this.nextProbeAt) return { ok: false };
      // This call is the probe; the others keep using the fallback meanwhile.
      this.nextProbeAt = now + this.probeIntervalMs;
    }
    try {
      const value = await inSpan('redis.call', { operation: this.name.replace(/\s+/g, '-') }, () => withDeadline(op(), this.timeoutMs), { kind: SpanKind.CLIENT });
      if (this.down) {
        this.down = false;
        this.logger?.info({ component: this.name, downMs: this.now() - this.downSince }, `Redis is reachable again; ${this.name} uses it again`);
      }
      return { ok: true, value };
    } catch (error) {
      if (!this.down) {
        this.down = true;
        this.downSince = this.now();
        this.nextProbeAt = this.downSince + this.probeIntervalMs;
        this.logger?.warn({ component: this.name, err: error }, `Redis is unreachable; ${this.name} falls back until it answers again`);
      }
      return { ok: false, error };
    }
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  // A late answer (or error) of the abandoned call must not become an unhandled rejection.
  p.catch(() => undefined);
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
