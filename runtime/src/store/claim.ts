/**
 * claimStarts: the one place quotas are enforced. It runs with the tenant row locked
 * (SELECT ... FOR UPDATE in the scope), so claims of one tenant are serialized and the
 * counts it reads cannot change under it: concurrent claims never overshoot a quota.
 *
 * It takes a batch (claim-batch.ts gathers the claims that arrive while one is in progress):
 * the checks run claim by claim, in arrival order, against counts kept in memory, and the
 * granted claims are written together, so a batch costs the statements of one claim.
 */
import { randomUUID } from 'node:crypto';
import { DebugHostError, notFound } from '../domain/errors.js';
import type { Actor } from '../domain/types.js';
import { asPlatform, journalMany } from './journal.js';
import { PROJECT_COLUMNS, toProject, type ProjectRow } from './rows.js';
import type { StartClaim } from './store.js';
import type { Scope } from './tenant-store.js';

export interface ClaimOptions {
  /** Checks a candidate port on the host (process driver); unavailable ones are skipped. */
  readonly portAvailable?: (port: number) => Promise<boolean>;
}

/** One `host.start`'s claim of a container slot and a port. */
export interface ClaimRequest {
  readonly projectId: string;
  readonly actor: Actor;
  /** The replica that will run it. */
  readonly owner: string;
  readonly options?: ClaimOptions;
}

/** Per request, in order: the claim, or the refusal (quota, conflict, not found) for that caller. */
export type ClaimOutcome = StartClaim | DebugHostError;

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

interface Grant {
  readonly request: ClaimRequest;
  readonly runId: string;
  readonly port: number;
}

export async function claimStarts({ tx, tenant, s }: Scope, requests: readonly ClaimRequest[]): Promise<ClaimOutcome[]> {
  if (tenant.status === 'suspended') {
    const suspended = new DebugHostError('suspended', `Tenant '${tenant.id}' is suspended: its projects cannot start.`, {
      fix: 'Ask a platform admin to reactivate the tenant.',
    });
    return requests.map(() => suspended);
  }
  const found = await tx.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM ${s}.projects WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [
    [...new Set(requests.map((r) => r.projectId))],
  ]);
  const projects = new Map(found.rows.map((row) => [row.id, row]));
  const use = await tx.query<{ running: number; ports: number[] }>(
    `SELECT (SELECT count(*)::int FROM ${s}.runs WHERE ended_at IS NULL) AS running,
            ARRAY(SELECT port FROM ${s}.projects WHERE port IS NOT NULL) AS ports`,
  );
  let running = use.rows[0]?.running ?? 0;
  const leased = new Set(use.rows[0]?.ports ?? []);

  const outcomes: Array<DebugHostError | Grant> = [];
  for (const request of requests) {
    const project = projects.get(request.projectId);
    const refusal = !project
      ? notFound('project', request.projectId)
      : project.port !== null
        ? alreadyRunning(project)
        : running >= tenant.containers
          ? quotaExceeded(tenant.id, 'containers', tenant.containers, running, 'projects are running')
          : leased.size >= tenant.ports
            ? quotaExceeded(tenant.id, 'ports', tenant.ports, leased.size, 'ports are leased')
            : undefined;
    if (refusal) {
      outcomes.push(refusal);
      continue;
    }
    const picked = await choosePort(tenant, project as ProjectRow, leased, request.options);
    if (picked instanceof DebugHostError) {
      outcomes.push(picked);
      continue;
    }
    // A second claim of the same project in this batch finds it running, as it would after a commit.
    projects.set(request.projectId, { ...(project as ProjectRow), port: picked });
    leased.add(picked);
    running += 1;
    outcomes.push({ request, runId: randomUUID(), port: picked });
  }

  const grants = outcomes.filter((o): o is Grant => !(o instanceof DebugHostError));
  if (grants.length === 0) return outcomes as DebugHostError[];
  const columns = [grants.map((g) => g.runId), grants.map((g) => g.request.projectId), grants.map((g) => g.port), grants.map((g) => g.request.owner)];
  await tx.query(`INSERT INTO ${s}.runs (id, project_id, port, owner) SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[])`, columns);
  const { rows } = await tx.query<ProjectRow>(
    `UPDATE ${s}.projects SET desired = 'running', state = 'starting', ready = false, port = v_port, pid = NULL, restarts = 0,
       exit_code = NULL, signal = NULL, stop_reason = NULL, owner = v_owner, run_id = v_run, epoch = epoch + 1, started_at = now(),
       stopped_at = NULL, last_activity_at = now(), updated_at = now()
      FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) AS v(v_run, v_id, v_port, v_owner)
     WHERE id = v_id RETURNING ${PROJECT_COLUMNS}`,
    columns,
  );
  const updated = new Map(rows.map((row) => [row.id, row]));
  await asPlatform(tx);
  await journalMany(
    tx,
    tenant.id,
    grants.map(({ request, runId, port }) => ({
      event: { type: 'project.starting', key: request.projectId, payload: { projectId: request.projectId, runId, port, owner: request.owner } },
      audit: { actor: request.actor, action: 'project.start', target: request.projectId, detail: { runId, port, owner: request.owner } },
    })),
  );
  return outcomes.map((o) =>
    o instanceof DebugHostError ? o : { project: toProject(tenant.id, updated.get(o.request.projectId) as ProjectRow), port: o.port, runId: o.runId },
  );
}

function alreadyRunning(project: ProjectRow): DebugHostError {
  return new DebugHostError('conflict', `Project '${project.name}' is already ${project.state} on port ${project.port}.`, {
    field: 'projectId',
    fix: 'Stop it first (host.stop), or use host.restart.',
  });
}

/** A free port of the tenant's range; ports held on the host by processes we do not manage are skipped, not leased. */
async function choosePort(tenant: Scope['tenant'], project: ProjectRow, leased: ReadonlySet<number>, options?: ClaimOptions): Promise<number | DebugHostError> {
  const skipped = new Set(leased);
  let port = pickPort(project.preferred_port, tenant.port_from, tenant.port_to, skipped);
  while (port !== undefined && options?.portAvailable && !(await options.portAvailable(port))) {
    skipped.add(port);
    port = pickPort(project.preferred_port, tenant.port_from, tenant.port_to, skipped);
  }
  if (port !== undefined) return port;
  const size = tenant.port_to - tenant.port_from + 1;
  return new DebugHostError(
    'quota_exceeded',
    `Tenant '${tenant.id}' has no free port left in its range ${tenant.port_from}-${tenant.port_to}: ${leased.size} of ${size} are leased, ${skipped.size - leased.size} are in use on the host.`,
    { fix: 'Stop a running project (host.stop), or ask a platform admin for a larger quotas.portRange.', facts: { quota: 'ports', limit: size, used: leased.size } },
  );
}

/** The preferred port when it is inside the range and free, else the lowest free port. */
export function pickPort(preferred: number | null, from: number, to: number, leased: ReadonlySet<number>): number | undefined {
  if (preferred !== null && preferred >= from && preferred <= to && !leased.has(preferred)) return preferred;
  for (let p = from; p <= to; p++) if (!leased.has(p)) return p;
  return undefined;
}
