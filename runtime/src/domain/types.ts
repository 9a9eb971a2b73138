/**
 * The runtime's domain vocabulary, shared by the store, the drivers and the tools.
 * Plain data only: no behaviour lives here.
 */

/** Roles carried in a token's `role` claim, from least to most privileged. */
export type Role = 'viewer' | 'developer' | 'admin' | 'platform-admin';

/** Tenant ids are DNS labels: they become namespaces (`tenant-<id>`) and schema names. */
export type TenantId = string;

export type TenantStatus = 'active' | 'suspended';

export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export interface TenantQuotas {
  /** Projects running at once. */
  readonly containers: number;
  /** Ports leased at once. */
  readonly ports: number;
  /** Memory, in MiB, across running projects (enforced by Kubernetes in a cluster). */
  readonly memoryMiB: number;
  /** CPU, in millicores, across running projects (enforced by Kubernetes in a cluster). */
  readonly cpuMillis: number;
  /** Storage, in MiB, for logs and workspaces. */
  readonly storageMiB: number;
  /** The range project ports are leased from. */
  readonly portRange: PortRange;
}

export interface TenantRecord {
  readonly id: TenantId;
  readonly displayName: string;
  readonly status: TenantStatus;
  readonly quotas: TenantQuotas;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** How a running project tells the host it is ready to serve. */
export type ReadinessCheck =
  | { readonly kind: 'port' }
  | { readonly kind: 'log'; readonly pattern: string }
  | { readonly kind: 'http'; readonly path: string }
  | { readonly kind: 'none' };

export type ProjectState =
  | 'registered' // never started
  | 'starting' // process spawned, not yet ready
  | 'running' // ready (or no readiness check)
  | 'backoff' // crashed, waiting to restart
  | 'stopping'
  | 'stopped' // stopped on request or reaped
  | 'crashed' // crashed and out of restarts
  | 'lost'; // was running when its replica went away and could not be restarted

export interface RestartPolicy {
  /** Restarts after a crash before giving up. */
  readonly maxRestarts: number;
  /** First backoff delay; doubles each restart. */
  readonly initialBackoffMs: number;
  /** Ceiling for the backoff delay. */
  readonly maxBackoffMs: number;
}

export interface ProjectSpec {
  readonly name: string;
  /** Absolute directory the project lives in; its cwd must stay inside it. */
  readonly workspace: string;
  readonly command: string;
  /** Working directory relative to the workspace. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly techStack?: string;
  /** Port the project wants, if any; otherwise one is leased from the tenant's range. */
  readonly preferredPort?: number;
  readonly readiness: ReadinessCheck;
  readonly restart: RestartPolicy;
  /** Reap after this many seconds without log output or calls; 0 disables. */
  readonly idleTimeoutSec: number;
}

export interface ProjectRecord extends ProjectSpec {
  readonly tenantId: TenantId;
  readonly id: string;
  readonly desired: 'running' | 'stopped';
  readonly state: ProjectState;
  readonly ready: boolean;
  /** Leased port while running or starting. */
  readonly port?: number;
  readonly pid?: number;
  readonly restarts: number;
  readonly exitCode?: number;
  readonly signal?: string;
  /** Why the project last stopped or was marked lost: `requested`, `idle`, `crashed`, ... */
  readonly stopReason?: string;
  /** Replica that runs it. */
  readonly owner?: string;
  readonly runId?: string;
  /** Increased on every change of the run's ownership: writes about the run are fenced on it. */
  readonly epoch: number;
  readonly startedAt?: Date;
  readonly stoppedAt?: Date;
  readonly lastActivityAt?: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type LogStream = 'stdout' | 'stderr' | 'system';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogLine {
  readonly projectId: string;
  readonly runId: string;
  /** Monotonic per project; orders lines and anchors context lookups. */
  readonly seq: number;
  readonly ts: Date;
  readonly stream: LogStream;
  readonly level: LogLevel;
  readonly message: string;
}

/** Who did something, for the audit trail. */
export interface Actor {
  readonly subject: string;
  readonly role: Role;
  readonly tenantId: TenantId;
}

export interface AuditRecord {
  readonly id: number;
  readonly tenantId: TenantId;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly at: Date;
}

export interface OutboxEvent {
  readonly id: number;
  readonly tenantId: TenantId;
  /** `project.started`, `project.stopped`, `usage.sample`, `audit`, ... */
  readonly type: string;
  /** Events of one key keep their order downstream (the project or tenant id). */
  readonly key: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface QuotaUse {
  readonly used: number;
  readonly limit: number;
}

export interface TenantUsage {
  readonly tenantId: TenantId;
  readonly containers: QuotaUse;
  readonly ports: QuotaUse;
  readonly projects: number;
  readonly logLines: number;
  readonly logBytes: number;
  readonly storageMiB: QuotaUse;
}
