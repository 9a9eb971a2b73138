/**
 * The system of record. One implementation (`SqlStore`) over two SQL clients: PostgreSQL
 * (`pg`) and PGlite (the embedded default), so that one dialect serves both.
 *
 * Layout: a `platform` schema (tenants, audit, outbox, replicas) and one schema per tenant
 * (projects, runs, logs), each owned by its own role, so that a tenant-scoped query cannot
 * read another tenant's rows even with a bug in its WHERE clause.
 *
 * Every mutating call that a user makes writes its audit row and its outbox event in the
 * same transaction as the change.
 */
import type { ScalingStore } from './scaling.js';
import type { ClaimOptions } from './claim.js';
import type { RunFence } from './fence.js';
import type { ReplicaRecord } from './replicas.js';
import type {
  Actor,
  AuditRecord,
  LogLevel,
  LogLine,
  LogStream,
  OutboxEvent,
  ProjectRecord,
  ProjectSpec,
  ProjectState,
  TenantId,
  TenantQuotas,
  TenantRecord,
  TenantStatus,
  TenantUsage,
} from '../domain/types.js';

export interface NewTenant {
  readonly id: TenantId;
  readonly displayName?: string;
  /** Missing fields take the platform defaults; a missing port range gets a free one. */
  readonly quotas?: Partial<TenantQuotas>;
}

export interface ProjectFilter {
  readonly states?: readonly ProjectState[];
  /** Case-insensitive substring of the name. */
  readonly nameContains?: string;
  readonly techStack?: string;
}

/** A lifecycle event to append to the outbox with a state change. */
export interface LifecycleEvent {
  readonly type: string;
  readonly payload?: Readonly<Record<string, unknown>>;
}

export type ProjectStatePatch = Partial<
  Pick<
    ProjectRecord,
    | 'state'
    | 'ready'
    | 'pid'
    | 'restarts'
    | 'exitCode'
    | 'signal'
    | 'stopReason'
    | 'owner'
    | 'startedAt'
    | 'stoppedAt'
    | 'lastActivityAt'
  >
>;

export interface StartClaim {
  readonly project: ProjectRecord;
  readonly port: number;
  readonly runId: string;
}

export interface LogFilter {
  readonly projectIds?: readonly string[];
  readonly levels?: readonly LogLevel[];
  readonly streams?: readonly LogStream[];
  readonly since?: Date;
  readonly until?: Date;
  /** Each must appear in the message (case-insensitive substring). */
  readonly includeAll?: readonly string[];
  /** None may appear in the message (case-insensitive substring). */
  readonly exclude?: readonly string[];
  /** Each must match the message (case-insensitive regular expression). */
  readonly regex?: readonly string[];
  /** Only lines with a larger seq (for follow). */
  readonly afterSeq?: number;
  readonly limit: number;
  /** `desc` returns the newest lines first. */
  readonly order: 'asc' | 'desc';
}

export interface LogStats {
  readonly total: number;
  readonly bytes: number;
  readonly byLevel: Readonly<Record<string, number>>;
  readonly byStream: Readonly<Record<string, number>>;
  readonly byProject: Readonly<Record<string, number>>;
  readonly first?: Date;
  readonly last?: Date;
}

/** Operations on one tenant's data; every query is confined to that tenant's schema. */
export interface TenantStore {
  readonly tenantId: TenantId;

  /** Fails with `conflict` when the tenant already has a project of that name. */
  registerProject(spec: ProjectSpec, actor: Actor): Promise<ProjectRecord>;
  getProject(id: string): Promise<ProjectRecord | undefined>;
  listProjects(filter?: ProjectFilter): Promise<ProjectRecord[]>;

  /**
   * Atomically checks the tenant is active, checks the containers and ports quotas, leases
   * a port (the preferred one if free in the tenant's range), opens a run, sets desired
   * `running` and state `starting`, and writes audit + outbox. Concurrent claims cannot
   * overshoot a quota. Fails with `quota_exceeded` (limit, used, fix), `conflict` (already
   * running) or `suspended`. `options.portAvailable` lets the process driver skip ports that
   * something outside the debug host holds on this machine.
   */
  claimStart(projectId: string, actor: Actor, owner: string, options?: ClaimOptions): Promise<StartClaim>;

  /** Runtime-observed changes (pid, ready, crash, restart); appends `event` to the outbox. */
  /**
   * With a `fence`, only while the run, its owner and its epoch are still those (store/fence.ts):
   * otherwise fails with `FencedOut` and changes nothing.
   */
  recordState(projectId: string, patch: ProjectStatePatch, event?: LifecycleEvent, fence?: RunFence): Promise<ProjectRecord>;

  /**
   * Ends the project's run: releases its port and container slot, sets the final state and
   * reason, and increases the epoch. With an actor (a user's stop) also sets desired
   * `stopped` and writes audit. With a `fence`, only while it holds (else `FencedOut`).
   */
  release(
    projectId: string,
    outcome: { readonly state: 'stopped' | 'crashed' | 'lost'; readonly reason: string; readonly exitCode?: number; readonly signal?: string },
    actor?: Actor,
    fence?: RunFence,
): Promise<ProjectRecord>;

  /**
   * Moves a run that holds a lease from one owner to another, only if `from` still owns it
   * (compare-and-set, on the epoch too when given; the epoch goes up), so that two replicas
   * can never both adopt it. The run shows as `starting` (not ready, no pid) until its new
   * owner has started it. With `fromSilentForMs` (a takeover from a replica that left), only
   * while `from` has no heartbeat that recent, by the database's clock. True when moved.
   */
  handOver(projectId: string, from: string | undefined, to: string, reason: string, epoch?: number, fromSilentForMs?: number): Promise<boolean>;
  /**
   * Takes a run up again on its owner (a restarted replica resuming it): increases the
   * epoch only while `fence` still holds, so that a previous life of the same replica can
   * no longer write about it. Undefined when the fence no longer holds.
   */
  renewFence(projectId: string, fence: Required<RunFence>): Promise<ProjectRecord | undefined>;

  appendLogs(lines: readonly LogLine[]): Promise<void>;
  queryLogs(filter: LogFilter): Promise<LogLine[]>;
  /** Lines of one project around `seq`, inclusive, in order. */
  logContext(projectId: string, seq: number, before: number, after: number): Promise<LogLine[]>;
  /** Highest stored seq of a project's logs, 0 when none. */
  maxLogSeq(projectId: string): Promise<number>;
  /** Deletes the logs of one project or of all the tenant's projects; audited. Returns the count. */
  clearLogs(projectId: string | undefined, actor: Actor): Promise<number>;
  logStats(projectId?: string): Promise<LogStats>;
  /** Retention: keeps the newest `keepPerProject` lines of each project. Returns lines removed. */
  pruneLogs(keepPerProject: number): Promise<number>;

  usage(): Promise<TenantUsage>;
  listAudit(limit: number): Promise<AuditRecord[]>;
}

export interface Store {
  /** The autoscaler's load reports, demand history and decisions (store/scaling.ts). */
  readonly scaling: ScalingStore;
  /** Creates or upgrades the platform schema and every tenant schema. Idempotent. */
  migrate(): Promise<void>;
  /** Cheap round trip for `/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;

  createTenant(input: NewTenant, actor: Actor): Promise<TenantRecord>;
  /**
   * Creates the tenant only while the store has none, as one step: of replicas that start
   * together on an empty store one creates it, the others get undefined.
   */
  createFirstTenant(input: NewTenant, actor: Actor): Promise<TenantRecord | undefined>;
  getTenant(id: TenantId): Promise<TenantRecord | undefined>;
  listTenants(): Promise<TenantRecord[]>;
  updateTenantQuotas(id: TenantId, quotas: Partial<TenantQuotas>, actor: Actor): Promise<TenantRecord>;
  setTenantStatus(id: TenantId, status: TenantStatus, actor: Actor): Promise<TenantRecord>;
  /** Drops the tenant's schema, role and data; the audit rows stay. */
  deleteTenant(id: TenantId, actor: Actor): Promise<void>;

  /** Scoped access. Cheap and synchronous; its calls fail with `not_found` when the tenant does not exist. */
  tenant(id: TenantId): TenantStore;

  /** Projects whose desired state is running, across tenants (for recovery after restart). */
  listDesiredRunning(owner?: string): Promise<ProjectRecord[]>;

  /** Appends a platform event (no audit row), e.g. a usage sample for billing. */
  /** With `leaderEpoch`, only while it is current (else `LeadershipLost`; store/leader-epoch.ts). */
  recordEvent(tenantId: TenantId, type: string, key: string, payload: Readonly<Record<string, unknown>>, leaderEpoch?: number): Promise<void>;

  /** Records that a replica is alive at `address` (every second or so). */
  heartbeat(id: string, address: string, draining: boolean): Promise<void>;
  /** Replicas that heartbeated within `maxAgeMs`. */
  liveReplicas(maxAgeMs: number): Promise<ReplicaRecord[]>;
  /** Removes a replica at once (graceful exit), rather than waiting for its heartbeat to age. */
  leaveCluster(id: string): Promise<void>;

  /** Oldest undelivered events first, in insertion order. */
  pendingEvents(limit: number): Promise<OutboxEvent[]>;
  /** With `leaderEpoch`, only while it is current (else `LeadershipLost`). */
  markDelivered(ids: readonly number[], leaderEpoch?: number): Promise<void>;
  /**
   * Deletes up to `limit` events delivered more than `olderThanMs` ago (the database's
   * clock), oldest first; undelivered events never. With `leaderEpoch`, only while it is
   * current (else `LeadershipLost`). Returns how many were deleted.
   */
  pruneDeliveredEvents(olderThanMs: number, limit: number, leaderEpoch?: number): Promise<number>;
}
