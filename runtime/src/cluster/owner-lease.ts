/**
 * How long this replica may still act as the owner of its runs. Peers take a replica's runs
 * over once its membership has expired (its heartbeat is `ttlMs` old), so a replica that
 * cannot renew must have stopped acting before that: each successful renewal that started
 * at `t` holds the lease until `t + holdMs`, with `holdMs` less than the membership TTL.
 *
 * Everything that acts as owner asks `held()` first (a launch, a restart, a claim), the
 * supervisor lets go of every run when the lease lapses, and the process keeper
 * (drivers/process-keeper.ts), which does not depend on this process running, kills the
 * runs' process groups at the same deadline: a replica paused by SIGSTOP or a long GC
 * pause cannot stop anything itself. Durations use the monotonic clock.
 */
import { performance } from 'node:perf_hooks';

export type LeaseListener = (remainingMs: number) => void;

export class OwnerLease {
  private validUntil: number;
  private lapseTimer?: NodeJS.Timeout;
  private readonly renewListeners: LeaseListener[] = [];
  private readonly lapseListeners: Array<() => void> = [];
  private lapsedAt?: number;

  /** `holdMs` Infinity: a replica alone (no peers can take its runs), held from the start. */
  constructor(readonly holdMs: number) {
    this.validUntil = holdMs === Infinity ? Infinity : 0;
  }

  /** A lease that never lapses: the runtime alone, on the embedded store or without a cluster. */
  static alone(): OwnerLease {
    return new OwnerLease(Infinity);
  }

  /** Whether this replica may act as the owner of its runs now. */
  held(now = performance.now()): boolean {
    return now < this.validUntil;
  }

  /** Milliseconds left (Infinity when alone, 0 when lapsed). */
  remaining(now = performance.now()): number {
    return Math.max(0, this.validUntil - now);
  }

  /** When the lease last lapsed (monotonic ms), if it ever did. */
  get lastLapse(): number | undefined {
    return this.lapsedAt;
  }

  /** A renewal that began at `startedAt` (monotonic ms, taken before the heartbeat was sent) succeeded. */
  renewed(startedAt: number): void {
    if (this.holdMs === Infinity) return;
    const until = startedAt + this.holdMs;
    if (until <= this.validUntil) return;
    this.validUntil = until;
    const remaining = this.remaining();
    if (remaining <= 0) return;
    this.armLapse(remaining);
    for (const listener of this.renewListeners) listener(remaining);
  }

  private armLapse(ms: number): void {
    if (this.lapseTimer) clearTimeout(this.lapseTimer);
    // +1: timers have millisecond resolution and may fire a fraction early.
    this.lapseTimer = setTimeout(() => this.lapse(), Math.ceil(ms) + 1);
    this.lapseTimer.unref();
  }

  /** Called on every renewal with the time left; and at once with the current state. */
  onRenew(listener: LeaseListener): void {
    this.renewListeners.push(listener);
    listener(this.remaining());
  }

  /** Called when the lease lapses without a renewal. */
  onLapse(listener: () => void): void {
    this.lapseListeners.push(listener);
  }

  /** Ends the lease at once (leaving the cluster). */
  release(): void {
    if (this.holdMs === Infinity) return;
    this.validUntil = 0;
    if (this.lapseTimer) clearTimeout(this.lapseTimer);
    for (const listener of this.renewListeners) listener(0);
  }

  private lapse(): void {
    if (this.held()) {
      this.armLapse(this.remaining());
      return;
    }
    this.lapsedAt = performance.now();
    for (const listener of this.lapseListeners) listener();
  }
}
