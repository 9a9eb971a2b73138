/** JSON shapes returned to clients: dates as ISO strings, no internal fields. */
import type { AuditRecord, LogLine, ProjectRecord, TenantRecord } from '../domain/types.js';
import type { ProjectStatus } from '../projects/project-service.js';

const iso = (date: Date | undefined): string | undefined => date?.toISOString();

export function projectJson(project: ProjectRecord | ProjectStatus): Record<string, unknown> {
  return {
    projectId: project.id,
    name: project.name,
    state: project.state,
    desired: project.desired,
    ready: project.ready,
    port: project.port,
    pid: project.pid,
    restarts: project.restarts,
    exitCode: project.exitCode,
    signal: project.signal,
    stopReason: project.stopReason,
    workspace: project.workspace,
    cwd: project.cwd,
    command: project.command,
    techStack: project.techStack,
    readiness: project.readiness,
    idleTimeoutSec: project.idleTimeoutSec,
    owner: project.owner,
    startedAt: iso(project.startedAt),
    stoppedAt: iso(project.stoppedAt),
    createdAt: iso(project.createdAt),
    ...('uptimeSec' in project ? { uptimeSec: project.uptimeSec, live: project.live } : {}),
  };
}

export function projectLine(project: ProjectRecord): string {
  const port = project.port ? ` port ${project.port}` : '';
  const pid = project.pid && project.state !== 'stopped' ? ` pid ${project.pid}` : '';
  const reason = project.stopReason && !['starting', 'running'].includes(project.state) ? ` (${project.stopReason})` : '';
  return `${project.name} [${project.id}] ${project.state}${project.ready ? ', ready' : ''}${port}${pid}${reason}`;
}

export const logJson = (line: LogLine): Record<string, unknown> => ({
  seq: line.seq,
  ts: line.ts.toISOString(),
  projectId: line.projectId,
  runId: line.runId,
  stream: line.stream,
  level: line.level,
  message: line.message,
});

export const tenantJson = (tenant: TenantRecord): Record<string, unknown> => ({
  tenantId: tenant.id,
  displayName: tenant.displayName,
  status: tenant.status,
  quotas: tenant.quotas,
  createdAt: iso(tenant.createdAt),
  updatedAt: iso(tenant.updatedAt),
});

export const auditJson = (record: AuditRecord): Record<string, unknown> => ({
  id: record.id,
  actor: record.actor,
  action: record.action,
  target: record.target,
  detail: record.detail,
  at: record.at.toISOString(),
});
