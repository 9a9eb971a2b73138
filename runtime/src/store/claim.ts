/**
 * claimStart: the one place quotas are enforced. It runs with the tenant row locked
 * (SELECT ... FOR UPDATE in the scope), so claims of one tenant are serialized and the
 * counts it reads cannot change under it: concurrent claims never overshoot a quota.
 */
import { randomUUID } from 'node:crypto';
import { DebugHostError, notFound } from '../domain/errors.js';
import type { Actor } from '../domain/types.js';
import { asPlatform, journal } from './journal.js';
import { PROJECT_COLUMNS, toProject, type ProjectRow } from './rows.js';
import type { StartClaim } from './store.js';
import type { Scope } from './tenant-store.js';

function quotaExceeded(tenantId: string, quota: 'containers' | 'ports', limit: number, used: number, what: string): DebugHostError {
  return new DebugHostError(
    'quota_exceeded',
    `Tenant '${tenantId}' is at its ${quota} quota: ${used} of ${limit} ${what}.`,
    {
      fix: `Stop a running project (host.stop), or ask a platform admin to raise quotas.${quota} (tenant.update).`,
      facts: { quota, limit, used },
    },
  );
}

export async function claimStart(
  { tx, tenant, s }: Scope,
  projectId: string,
  actor: Actor,
  owner: string,
  options: ClaimOptions = {},
): Promise<StartClaim> {
  if (tenant.status === 'suspended') {
    throw new DebugHostError('suspended', `Tenant '${tenant.id}' is suspended: its projects cannot start.`, {
      fix: 'Ask a platform admin to reactivate the tenant.',
    });
  }
  const found = await tx.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM ${s}.projects WHERE id = $1 FOR UPDATE`, [projectId]);
  const project = found.rows[0];
  if (!project) throw notFound('project', projectId);
  if (project.port !== null) {
    throw new DebugHostError('conflict', `Project '${project.name}' is already ${project.state} on port ${project.port}.`, {
      field: 'projectId',
      fix: 'Stop it first (host.stop), or use host.restart.',
    });
  }

  const use = await tx.query<{ running: number; ports: number[] }>(
    `SELECT (SELECT count(*)::int FROM ${s}.runs WHERE ended_at IS NULL) AS running,
            ARRAY(SELECT port FROM ${s}.projects WHERE port IS NOT NULL) AS ports`,
  );
  const running = use.rows[0]?.running ?? 0;
  const leased = new Set(use.rows[0]?.ports ?? []);
  if (running >= tenant.containers) throw quotaExceeded(tenant.id, 'containers', tenant.containers, running, 'projects are running');
  if (leased.size >= tenant.ports) throw quotaExceeded(tenant.id, 'ports', tenant.ports, leased.size, 'ports are leased');

  // Ports held on the host by processes we do not manage are skipped, not leased.
  const skipped = new Set(leased);
  let port = pickPort(project.preferred_port, tenant.port_from, tenant.port_to, skipped);
  while (port !== undefined && options.portAvailable && !(await options.portAvailable(port))) {
    skipped.add(port);
    port = pickPort(project.preferred_port, tenant.port_from, tenant.port_to, skipped);
  }
  if (port === undefined) {
    const size = tenant.port_to - tenant.port_from + 1;
    throw new DebugHostError(
      'quota_exceeded',
      `Tenant '${tenant.id}' has no free port left in its range ${tenant.port_from}-${tenant.port_to}: ${leased.size} of ${size} are leased, ${skipped.size - leased.size} are in use on the host.`,
      { fix: 'Stop a running project (host.stop), or ask a platform admin for a larger quotas.portRange.', facts: { quota: 'ports', limit: size, used: leased.size } },
    );
  }

  const runId = randomUUID();
  await tx.query(`INSERT INTO ${s}.runs (id, project_id, port, owner) VALUES ($1, $2, $3, $4)`, [runId, projectId, port, owner]);
  const { rows } = await tx.query<ProjectRow>(
    `UPDATE ${s}.projects SET desired = 'running', state = 'starting', ready = false, port = $2, pid = NULL, restarts = 0,
       exit_code = NULL, signal = NULL, stop_reason = NULL, owner = $3, run_id = $4, epoch = epoch + 1, started_at = now(), stopped_at = NULL,
       last_activity_at = now(), updated_at = now()
      WHERE id = $1 RETURNING ${PROJECT_COLUMNS}`,
    [projectId, port, owner, runId],
  );
  await asPlatform(tx);
  await journal(
    tx,
    tenant.id,
    { type: 'project.starting', key: projectId, payload: { projectId, runId, port, owner } },
    { actor, action: 'project.start', target: projectId, detail: { runId, port, owner } },
  );
  return { project: toProject(tenant.id, rows[0] as ProjectRow), port, runId };
}

export interface ClaimOptions {
  /** Checks a candidate port on the host (process driver); unavailable ones are skipped. */
  readonly portAvailable?: (port: number) => Promise<boolean>;
}

/** The preferred port when it is inside the range and free, else the lowest free port. */
export function pickPort(preferred: number | null, from: number, to: number, leased: ReadonlySet<number>): number | undefined {
  if (preferred !== null && preferred >= from && preferred <= to && !leased.has(preferred)) return preferred;
  for (let p = from; p <= to; p++) if (!leased.has(p)) return p;
  return undefined;
}
