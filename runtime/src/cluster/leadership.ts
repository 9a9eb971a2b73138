/**
 * One leader at a time runs the global work (outbox relay, usage roll-up, retention). The
 * leader is whoever holds a PostgreSQL advisory lock on a dedicated session: PostgreSQL
 * releases it when that session ends, so a dead leader's lock frees itself. No home-made
 * consensus. The embedded store has one process, which is always the leader.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { takeLeaderEpoch } from '../store/leader-epoch.js';
import { pgTimeouts, type DatabaseTimeouts } from '../store/pg-client.js';

export type LeadershipListener = (leader: boolean) => void;

export interface Leadership {
  readonly isLeader: boolean;
  /**
   * The fencing token of this leadership (store/leader-epoch.ts), passed with every
   * leader-only write. Undefined where there is nothing to fence (the embedded process).
   */
  readonly epoch: number | undefined;
  /** Called on every change, and once at start with the initial state. */
  onChange(listener: LeadershipListener): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The state and listeners every Leadership has; subclasses decide when it changes. */
export abstract class LeadershipState implements Leadership {
  private readonly listeners: LeadershipListener[] = [];
  private leader = false;
  protected leaderEpoch?: number;

  get isLeader(): boolean {
    return this.leader;
  }

  get epoch(): number | undefined {
    return this.leaderEpoch;
  }

  onChange(listener: LeadershipListener): void {
    this.listeners.push(listener);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** Records a change and tells the listeners unless `notify` is false; false when nothing changed. */
  protected set(leader: boolean, notify = true): boolean {
    if (this.leader === leader) return false;
    this.leader = leader;
    if (notify) for (const listener of this.listeners) listener(leader);
    return true;
  }
}

/** The single embedded process. */
export class SoleLeadership extends LeadershipState {
  async start(): Promise<void> {
    this.set(true);
  }

  async stop(): Promise<void> {
    this.set(false);
  }
}

/** Key of the platform's leader lock (any constant shared by all replicas). */
export const LEADER_LOCK_KEY = 0x6465_6268; // "debh"

export interface AdvisoryLeadershipOptions {
  readonly databaseUrl: string;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** Recorded with the epoch (platform.leader.holder). @default 'unknown' */
  readonly holder?: string;
  /** How often a follower tries to take the lock, and a leader checks its session. @default 1000 */
  readonly intervalMs?: number;
  /** So that a black-holed database ends the session (and the leadership) instead of hanging it. @default DEFAULT_DATABASE_TIMEOUTS */
  readonly timeouts?: DatabaseTimeouts;
}

export class AdvisoryLockLeadership extends LeadershipState {
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly options: AdvisoryLeadershipOptions) {
    super();
    this.intervalMs = options.intervalMs ?? 1000;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.set(false);
    // Ending the session releases the lock at once for the next leader.
    await client?.end().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      if (!this.client) {
        const client = new pg.Client({ connectionString: this.options.databaseUrl, application_name: 'debug-host-leader', ...pgTimeouts(this.options.timeouts) });
        client.on('error', () => this.drop('leader session failed'));
        await client.connect();
        this.client = client;
      }
      if (this.isLeader) await this.client.query('SELECT 1');
      else {
        const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [LEADER_LOCK_KEY]);
        if (rows[0]?.locked) {
          // Fences out the previous leader's writes before this one makes any.
          this.leaderEpoch = await takeLeaderEpoch(this.client, this.options.holder ?? 'unknown');
          this.set(true);
        }
      }
    } catch (error) {
      this.drop(`leader session failed: ${(error as Error).message}`);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  private drop(reason: string): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
    if (this.isLeader) this.options.logger.warn({ reason }, 'lost leadership');
    this.set(false);
  }

  protected override set(leader: boolean): boolean {
    // A lock granted while stopping is recorded but announced to no one.
    const changed = super.set(leader, !this.stopped || !leader);
    if (changed && leader) this.options.logger.info('became leader');
    return changed;
  }
}

/**
 * Leader only while holding both: `primary` decides who (the Kubernetes Lease in a
 * cluster), and the `guard` (the PostgreSQL advisory lock) is taken only by the primary's
 * winner. The lock keeps its own guarantee: the outbox relay and metering never run twice
 * even if a Lease changes hands while the old leader's database session still lives.
 */
export class GatedLeadership extends LeadershipState {
  private guarding?: Promise<void>;

  constructor(
    private readonly primary: Leadership,
    private readonly guard: Leadership,
  ) {
    super();
    primary.onChange((won) => {
      // Serialized, so a quick lose-win-lose never leaves the guard running.
      this.guarding = (this.guarding ?? Promise.resolve()).then(() => (won ? this.guard.start() : this.guard.stop())).catch(() => undefined);
      if (!won) this.set(false);
    });
    guard.onChange((held) => this.set(held && this.primary.isLeader));
  }

  override get epoch(): number | undefined {
    return this.guard.epoch;
  }

  async start(): Promise<void> {
    await this.primary.start();
    await this.guarding;
  }

  async stop(): Promise<void> {
    this.set(false);
    await this.guarding;
    await this.guard.stop();
    await this.primary.stop();
  }
}
