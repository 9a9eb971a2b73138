/**
 * Who is in the cluster, from the store's heartbeat table: every replica sharing one
 * DATABASE_URL writes its heartbeat each `intervalMs`; a replica silent for `ttlMs` leaves
 * the ring. (In Kubernetes the headless Service's EndpointSlices say the same; the store
 * works everywhere, so it is the one source here.) Draining replicas stay reachable for
 * forwarding but own nothing.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { HashRing } from './hash-ring.js';

export interface Member {
  readonly id: string;
  readonly address: string;
  readonly draining: boolean;
}

export interface MembershipOptions {
  readonly store: Store;
  readonly self: Member;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** A replica whose heartbeat is older leaves the ring. @default 4000 */
  readonly ttlMs?: number;
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

  constructor(private readonly options: MembershipOptions) {
    this.address = options.self.address;
    this.intervalMs = options.intervalMs ?? 1000;
    this.ttlMs = options.ttlMs ?? 4000;
    this.ringValue = new HashRing([options.self.id]);
    this.members.set(options.self.id, options.self);
  }

  get self(): string {
    return this.options.self.id;
  }

  get ring(): HashRing {
    return this.ringValue;
  }

  member(id: string | undefined): Member | undefined {
    return id === undefined ? undefined : this.members.get(id);
  }

  /** Alive, not draining, and not taken out by the circuit breaker. */
  isActive(id: string | undefined): boolean {
    return id !== undefined && this.ringValue.has(id);
  }

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
    await this.options.store.leaveCluster(this.self).catch(() => undefined);
  }

  async refresh(): Promise<void> {
    try {
      await this.options.store.heartbeat(this.self, this.address, this.draining);
      const live = await this.options.store.liveReplicas(this.ttlMs);
      const next = new Map(live.map((r) => [r.id, { id: r.id, address: r.address, draining: r.draining }]));
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
    if (this.ringValue.members.join(',') !== before) {
      this.options.logger.info({ members: this.ringValue.members }, 'ring changed');
      for (const listener of this.listeners) listener();
    }
  }
}
