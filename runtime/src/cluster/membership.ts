/**
 * Who is in the cluster, from a member source: the store's heartbeat table (every replica
 * sharing one DATABASE_URL writes its heartbeat each `intervalMs`; a replica silent for
 * `ttlMs` leaves the ring), or in Kubernetes the peer Service's EndpointSlices
 * (`EndpointSliceSource`). Draining replicas stay reachable for forwarding but own nothing.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { HashRing } from './hash-ring.js';
import type { OwnerLease } from './owner-lease.js';

export interface Member {
  readonly id: string;
  readonly address: string;
  readonly draining: boolean;
}

/** Where the member list comes from. */
export interface MemberSource {
  /** Announces this replica where the source needs it (a heartbeat) and returns who is in the cluster. */
  poll(self: Member): Promise<Member[]>;
  /** Called when the source learns of a change before the next poll. */
  onChange?(listener: () => void): void;
  /** Leaves the cluster (deletes the heartbeat, stops a watch). */
  leave(selfId: string): Promise<void>;
}

/** The store's heartbeat table: works wherever the replicas share a PostgreSQL. */
export class StoreHeartbeatSource implements MemberSource {
  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
  ) {}

  async poll(self: Member): Promise<Member[]> {
    await this.store.heartbeat(self.id, self.address, self.draining);
    const live = await this.store.liveReplicas(this.ttlMs);
    return live.map((r) => ({ id: r.id, address: r.address, draining: r.draining }));
  }

  async leave(selfId: string): Promise<void> {
    await this.store.leaveCluster(selfId);
  }
}

export interface MembershipOptions {
  /** Needed for the default source. */
  readonly store?: Store;
  /** @default StoreHeartbeatSource over `store` */
  readonly source?: MemberSource;
  readonly self: Member;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** A replica whose heartbeat is older leaves the ring. @default 4000 */
  readonly ttlMs?: number;
  /** Renewed by every successful heartbeat (see ownerLeaseFor). @default - none */
  readonly lease?: OwnerLease;
}

/** Membership timings, one source for the membership and the owner lease derived from it. */
export const MEMBERSHIP_DEFAULTS = { intervalMs: 1000, ttlMs: 4000 } as const;

/**
 * How long a renewal holds the owner lease: peers cannot see this replica's heartbeat
 * expire before `ttlMs` after the renewal began, so a quarter of the TTL (at least 500 ms)
 * is left for the keeper to kill the runs and for the clocks' rates to differ.
 */
export function ownerLeaseHoldMs(ttlMs: number = MEMBERSHIP_DEFAULTS.ttlMs): number {
  return ttlMs - Math.max(500, ttlMs / 4);
}

export class Membership {
  private members = new Map<string, Member>();
  private ringValue: HashRing;
  private timer?: NodeJS.Timeout;
  private draining = false;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  private listeners: Array<() => void> = [];
  private address: string;
  /** Peers the circuit breaker took out until the given time. */
  private suspects = new Map<string, number>();
  private readonly source: MemberSource;
  /** Member ids at the last rebuild, to tell listeners when one joined or left. */
  private knownMembers = '';
  private ringChangedAtMs = Date.now();

  constructor(private readonly options: MembershipOptions) {
    this.address = options.self.address;
    this.intervalMs = options.intervalMs ?? MEMBERSHIP_DEFAULTS.intervalMs;
    this.ttlMs = options.ttlMs ?? MEMBERSHIP_DEFAULTS.ttlMs;
    this.ringValue = new HashRing([options.self.id]);
    this.members.set(options.self.id, options.self);
    if (!options.source && !options.store) throw new Error('Membership needs a store (heartbeat table) or a member source');
    this.source = options.source ?? new StoreHeartbeatSource(options.store as Store, this.ttlMs);
    this.source.onChange?.(() => {
      if (!this.stopped) void this.refresh();
    });
  }

  get self(): string {
    return this.options.self.id;
  }

  /** A member whose heartbeat is older leaves the ring (and its runs may be taken over). */
  get ttl(): number {
    return this.ttlMs;
  }

  get ring(): HashRing {
    return this.ringValue;
  }

  /** When the ring last changed (epoch ms): rebalancing waits until it has settled. */
  get ringChangedAt(): number {
    return this.ringChangedAtMs;
  }

  member(id: string | undefined): Member | undefined {
    return id === undefined ? undefined : this.members.get(id);
  }

  /** Alive (draining or not) and not taken out by the circuit breaker: calls about its runs may go to it. */
  isReachable(id: string | undefined): boolean {
    return id !== undefined && this.members.has(id) && !this.suspects.has(id);
  }

  /** Alive, not draining, and not taken out by the circuit breaker. */
  isActive(id: string | undefined): boolean {
    return id !== undefined && this.ringValue.has(id);
  }

  /** Called when the ring or the member list changes. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Joins with the address peers reach this replica at (known once it listens). */
  async start(address = this.address): Promise<void> {
    this.address = address;
    await this.refresh();
  }

  /** Takes a peer out of the ring for `forMs` after forwarding to it failed. */
  suspect(id: string, forMs: number): void {
    if (id === this.self) return;
    this.suspects.set(id, Date.now() + forMs);
    this.rebuild();
  }

  async drain(): Promise<void> {
    this.draining = true;
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.options.lease?.release();
    await this.source.leave(this.self).catch(() => undefined);
  }

  async refresh(): Promise<void> {
    try {
      const startedAt = performance.now();
      const live = await this.source.poll({ id: this.self, address: this.address, draining: this.draining });
      if (!this.stopped) this.options.lease?.renewed(startedAt);
      const next = new Map(live.map((m) => [m.id, m]));
      next.set(this.self, { id: this.self, address: this.address, draining: this.draining });
      this.members = next;
      this.rebuild();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'membership heartbeat failed');
    }
    if (!this.stopped) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.refresh(), this.intervalMs);
      this.timer.unref();
    }
  }

  private rebuild(): void {
    const now = Date.now();
    for (const [id, until] of this.suspects) if (until <= now) this.suspects.delete(id);
    const owners = [...this.members.values()].filter((m) => !m.draining && !this.suspects.has(m.id)).map((m) => m.id);
    const before = this.ringValue.members.join(',');
    this.ringValue = new HashRing(owners);
    const ringChanged = this.ringValue.members.join(',') !== before;
    if (ringChanged) {
      this.ringChangedAtMs = now;
      this.options.logger.info({ members: this.ringValue.members }, 'ring changed');
    }
    // A member leaving counts even when the circuit breaker took it off the ring already:
    // only then may its projects be taken over.
    const known = [...this.members.keys()].sort().join(',');
    const membersChanged = known !== this.knownMembers;
    this.knownMembers = known;
    if (ringChanged || membersChanged) for (const listener of this.listeners) listener();
  }
}
