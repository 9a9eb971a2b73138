/** Row shapes as the SQL returns them, and their mapping to domain records. */
import type {
  AuditRecord,
  LogLevel,
  LogLine,
  LogStream,
  OutboxEvent,
  ProjectRecord,
  ProjectState,
  ReadinessCheck,
  RestartPolicy,
  TenantRecord,
  TenantStatus,
} from '../domain/types.js';

export interface TenantRow {
  id: string;
  display_name: string;
  status: TenantStatus;
  containers: number;
  ports: number;
  memory_mib: number;
  cpu_millis: number;
  storage_mib: number;
  port_from: number;
  port_to: number;
  schema_name: string;
  role_name: string;
  created_at: Date;
  updated_at: Date;
}

export const TENANT_COLUMNS =
  'id, display_name, status, containers, ports, memory_mib, cpu_millis, storage_mib, port_from, port_to, ' +
  'schema_name, role_name, created_at, updated_at';

export function toTenant(r: TenantRow): TenantRecord {
  return {
    id: r.id,
    displayName: r.display_name,
    status: r.status,
    quotas: {
      containers: r.containers,
      ports: r.ports,
      memoryMiB: r.memory_mib,
      cpuMillis: r.cpu_millis,
      storageMiB: r.storage_mib,
      portRange: { from: r.port_from, to: r.port_to },
    },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface ProjectRow {
  id: string;
  name: string;
  workspace: string;
  command: string;
  cwd: string;
  env: Record<string, string>;
  tech_stack: string | null;
  preferred_port: number | null;
  readiness: ReadinessCheck;
  restart: RestartPolicy;
  idle_timeout_sec: number;
  desired: 'running' | 'stopped';
  state: ProjectState;
  ready: boolean;
  port: number | null;
  pid: number | null;
  restarts: number;
  exit_code: number | null;
  signal: string | null;
  stop_reason: string | null;
  owner: string | null;
  run_id: string | null;
  /** bigint: pg returns it as a string. */
  epoch: string | number;
  started_at: Date | null;
  stopped_at: Date | null;
  last_activity_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const PROJECT_COLUMNS =
  'id, name, workspace, command, cwd, env, tech_stack, preferred_port, readiness, restart, idle_timeout_sec, ' +
  'desired, state, ready, port, pid, restarts, exit_code, signal, stop_reason, owner, run_id, epoch, started_at, ' +
  'stopped_at, last_activity_at, created_at, updated_at';

/** `null` columns become absent fields, so records compare cleanly and serialize small. */
const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function toProject(tenantId: string, r: ProjectRow): ProjectRecord {
  return {
    tenantId,
    id: r.id,
    name: r.name,
    workspace: r.workspace,
    command: r.command,
    cwd: r.cwd,
    env: r.env,
    techStack: opt(r.tech_stack),
    preferredPort: opt(r.preferred_port),
    readiness: r.readiness,
    restart: r.restart,
    idleTimeoutSec: r.idle_timeout_sec,
    desired: r.desired,
    state: r.state,
    ready: r.ready,
    port: opt(r.port),
    pid: opt(r.pid),
    restarts: r.restarts,
    exitCode: opt(r.exit_code),
    signal: opt(r.signal),
    stopReason: opt(r.stop_reason),
    owner: opt(r.owner),
    runId: opt(r.run_id),
    epoch: Number(r.epoch),
    startedAt: opt(r.started_at),
    stoppedAt: opt(r.stopped_at),
    lastActivityAt: opt(r.last_activity_at),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface LogRow {
  project_id: string;
  run_id: string;
  seq: number;
  ts: Date;
  stream: LogStream;
  level: LogLevel;
  message: string;
}

export const LOG_COLUMNS = 'project_id, run_id, seq, ts, stream, level, message';

export function toLog(r: LogRow): LogLine {
  return { projectId: r.project_id, runId: r.run_id, seq: r.seq, ts: r.ts, stream: r.stream, level: r.level, message: r.message };
}

export interface AuditRow {
  id: number;
  tenant_id: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  at: Date;
}

export function toAudit(r: AuditRow): AuditRecord {
  return { id: r.id, tenantId: r.tenant_id, actor: r.actor, action: r.action, target: r.target, detail: r.detail, at: r.at };
}

export interface OutboxRow {
  id: number;
  tenant_id: string;
  type: string;
  key: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export function toEvent(r: OutboxRow): OutboxEvent {
  return { id: r.id, tenantId: r.tenant_id, type: r.type, key: r.key, payload: r.payload, createdAt: r.created_at };
}
