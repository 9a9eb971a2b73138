/**
 * One tenant's view of the store. Every call runs in a transaction that first reads the
 * tenant row (which proves the tenant exists) and switches to the tenant's own role with
 * `set_config('role', ..., true)` (SET LOCAL ROLE): from there on Postgres itself refuses any
 * table outside the tenant's schema. Audit and outbox rows live in the platform schema, so
 * those writes come last, after `asPlatform()` switches back to the runtime's role.
 */
import { randomUUID } from 'node:crypto';
import { DebugHostError, notFound } from '../domain/errors.js';
import type { Actor, AuditRecord, LogLine, ProjectRecord, ProjectSpec, TenantId, TenantUsage } from '../domain/types.js';
import { asPlatform, journal } from './journal.js';
import * as logs from './logs.js';
import { ident, likeContains, validateTenantId } from './names.js';
import { PROJECT_COLUMNS, TENANT_COLUMNS, toAudit, toProject, type AuditRow, type ProjectRow, type TenantRow } from './rows.js';
import { sqlState, type Queryable, type SqlClient } from './sql-client.js';
import type {
  LifecycleEvent,
  LogFilter,
  LogStats,
  ProjectFilter,
  ProjectStatePatch,
  StartClaim,
  TenantStore,
} from './store.js';
import { claimStarts, type ClaimOptions } from './claim.js';
import type { ClaimBatcher } from './claim-batch.js';
import { fenceCondition, FencedOut, type RunFence } from './fence.js';
import { tenantNotFound } from './tenants.js';

/** What a scoped callback gets: the transaction (in the tenant role), the tenant row and its quoted schema. */
export interface Scope {
  readonly tx: Queryable;
  readonly tenant: TenantRow;
  readonly s: string;
}

const PATCH_COLUMNS: Readonly<Record<keyof ProjectStatePatch, string>> = {
  state: 'state',
  ready: 'ready',
  pid: 'pid',
  restarts: 'restarts',
  exitCode: 'exit_code',
  signal: 'signal',
  stopReason: 'stop_reason',
  owner: 'owner',
  startedAt: 'started_at',
  stoppedAt: 'stopped_at',
  lastActivityAt: 'last_activity_at',
};

/** Rolls a takeover back: its owner turned out to be alive. */
const STILL_LIVE = new Error('the owner heartbeated within the silence a takeover needs');

export class SqlTenantStore implements TenantStore {
  constructor(
    private readonly client: SqlClient,
    readonly tenantId: TenantId,
    /** This tenant's group commit of claims, shared by every view of the tenant in this store. */
    private readonly claims: ClaimBatcher,
  ) {}

  /**
   * Runs `fn` in a transaction confined to this tenant: `read` is read-only (and goes first on
   * the embedded store), `lock` holds the tenant row (quota checks).
   */
  private scoped<T>(fn: (scope: Scope) => Promise<T>, mode: 'read' | 'write' | 'lock' = 'write'): Promise<T> {
    validateTenantId(this.tenantId);
    const lock = mode === 'lock';
    return this.client.transaction(async (tx) => {
      const { rows } = await tx.query<TenantRow>(
        `SELECT ${TENANT_COLUMNS}, set_config('role', role_name, true) AS role_set
           FROM platform.tenants WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
        [this.tenantId],
      );
      const tenant = rows[0];
      if (!tenant) throw tenantNotFound(this.tenantId);
      return fn({ tx, tenant, s: ident(tenant.schema_name) });
    }, { readOnly: mode === 'read' });
  }

  private async project(scope: Scope, id: string, lock = false): Promise<ProjectRow> {
    const { rows } = await scope.tx.query<ProjectRow>(
      `SELECT ${PROJECT_COLUMNS} FROM ${scope.s}.projects WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    if (!rows[0]) throw notFound('project', id);
    return rows[0];
  }

  registerProject(spec: ProjectSpec, actor: Actor): Promise<ProjectRecord> {
    return this.scoped(async ({ tx, s }) => {
      const id = randomUUID();
      let row: ProjectRow;
      try {
        const { rows } = await tx.query<ProjectRow>(
          `INSERT INTO ${s}.projects (id, name, workspace, command, cwd, env, tech_stack, preferred_port, readiness, restart, idle_timeout_sec)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, $10::jsonb, $11) RETURNING ${PROJECT_COLUMNS}`,
          [id, spec.name, spec.workspace, spec.command, spec.cwd, JSON.stringify(spec.env), spec.techStack ?? null,
            spec.preferredPort ?? null, JSON.stringify(spec.readiness), JSON.stringify(spec.restart), spec.idleTimeoutSec],
        );
        row = rows[0] as ProjectRow;
      } catch (err) {
        if (sqlState(err) !== '23505') throw err;
        throw new DebugHostError('conflict', `name: a project named '${spec.name}' is already registered in this tenant.`, {
          field: 'name',
          fix: 'Pick another name, or use the existing project (host.list shows it).',
        });
      }
      await asPlatform(tx);
      await journal(
        tx,
        this.tenantId,
        { type: 'project.registered', key: id, payload: { projectId: id, name: spec.name } },
        { actor, action: 'project.register', target: id, detail: { name: spec.name, workspace: spec.workspace, command: spec.command } },
      );
      return toProject(this.tenantId, row);
    });
  }

  getProject(id: string): Promise<ProjectRecord | undefined> {
    return this.scoped(async ({ tx, s }) => {
      const { rows } = await tx.query<ProjectRow>(`SELECT ${PROJECT_COLUMNS} FROM ${s}.projects WHERE id = $1`, [id]);
      return rows[0] ? toProject(this.tenantId, rows[0]) : undefined;
    }, 'read');
  }

  listProjects(filter: ProjectFilter = {}): Promise<ProjectRecord[]> {
    return this.scoped(async ({ tx, s }) => {
      const { rows } = await tx.query<ProjectRow>(
        `SELECT ${PROJECT_COLUMNS} FROM ${s}.projects
          WHERE ($1::text[] IS NULL OR state = ANY($1::text[]))
            AND ($2::text IS NULL OR name ILIKE $2 ESCAPE '\\')
            AND ($3::text IS NULL OR lower(tech_stack) = lower($3))
          ORDER BY name`,
        [filter.states ? [...filter.states] : null, filter.nameContains ? likeContains(filter.nameContains) : null, filter.techStack ?? null],
      );
      return rows.map((r) => toProject(this.tenantId, r));
    }, 'read');
  }

  claimStart(projectId: string, actor: Actor, owner: string, options?: ClaimOptions): Promise<StartClaim> {
    return this.claims.claim({ projectId, actor, owner, options }, (batch) => this.scoped((scope) => claimStarts(scope, batch), 'lock'));
  }

  handOver(projectId: string, from: string | undefined, to: string, reason: string, epoch?: number, fromSilentForMs?: number): Promise<boolean> {
    return this.scoped(async (scope) => {
      const { rows } = await scope.tx.query<{ id: string }>(
        // The run restarts on its new owner: until then it is starting, not ready, with no pid.
        `UPDATE ${scope.s}.projects SET owner = $3, state = 'starting', ready = false, pid = NULL, epoch = epoch + 1, updated_at = now()
          WHERE id = $1 AND owner IS NOT DISTINCT FROM $2 AND port IS NOT NULL AND ($4::bigint IS NULL OR epoch = $4) RETURNING id`,
        [projectId, from ?? null, to, epoch ?? null],
      );
      if (!rows[0]) return false;
      await asPlatform(scope.tx);
      if (from !== undefined && fromSilentForMs !== undefined) {
        // A takeover, judged in the same transaction by the database's clock: the old owner acts
        // only within its owner lease of a heartbeat that committed, shorter than this silence,
        // so a takeover on a stale view of the cluster (it heartbeated again) is rolled back.
        const live = await scope.tx.query<{ live: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM platform.replicas WHERE id = $1 AND heartbeat_at > now() - ($2::double precision * interval '1 millisecond')) AS live`,
          [from, fromSilentForMs],
        );
        if (live.rows[0]?.live) throw STILL_LIVE;
      }
      await journal(scope.tx, this.tenantId, { type: 'project.handed_over', key: projectId, payload: { projectId, from: from ?? null, to, reason } });
      return true;
    }).catch((error: unknown) => {
      if (error === STILL_LIVE) return false;
      throw error;
    });
  }

  renewFence(projectId: string, fence: Required<RunFence>): Promise<ProjectRecord | undefined> {
    return this.scoped(async ({ tx, s }) => {
      const { rows } = await tx.query<ProjectRow>(
        `UPDATE ${s}.projects SET epoch = epoch + 1, updated_at = now()
          WHERE id = $1 AND run_id = $2 AND owner = $3 AND epoch = $4 AND port IS NOT NULL RETURNING ${PROJECT_COLUMNS}`,
        [projectId, fence.runId, fence.owner, fence.epoch],
      );
      return rows[0] ? toProject(this.tenantId, rows[0]) : undefined;
    });
  }

  recordState(projectId: string, patch: ProjectStatePatch, event?: LifecycleEvent, fence?: RunFence): Promise<ProjectRecord> {
    return this.scoped(async (scope) => {
      const sets: string[] = [];
      const params: unknown[] = [projectId];
      for (const [key, column] of Object.entries(PATCH_COLUMNS) as [keyof ProjectStatePatch, string][]) {
        // A key present with `undefined` clears the column (e.g. pid after exit).
        if (!(key in patch)) continue;
        params.push(patch[key] ?? null);
        sets.push(`${column} = $${params.length}`);
      }
      sets.push('updated_at = now()');
      const fenced = fenceCondition(fence, params.length + 1);
      const { rows } = await scope.tx.query<ProjectRow>(
        `UPDATE ${scope.s}.projects SET ${sets.join(', ')} WHERE id = $1${fenced.sql} RETURNING ${PROJECT_COLUMNS}`,
        [...params, ...fenced.params],
      );
      if (!rows[0]) throw fence ? await this.lost(scope, projectId, fence) : notFound('project', projectId);
      if (event) {
        await asPlatform(scope.tx);
        await journal(scope.tx, this.tenantId, { type: event.type, key: projectId, payload: { projectId, ...event.payload } });
      }
      return toProject(this.tenantId, rows[0]);
    });
  }

  release(
    projectId: string,
    outcome: { readonly state: 'stopped' | 'crashed' | 'lost'; readonly reason: string; readonly exitCode?: number; readonly signal?: string },
    actor?: Actor,
    fence?: RunFence,
  ): Promise<ProjectRecord> {
    return this.scoped(async (scope) => {
      const { tx, s } = scope;
      const current = await this.project(scope, projectId, true);
      const exitCode = outcome.exitCode ?? null;
      const signal = outcome.signal ?? null;
      const fenced = fenceCondition(fence, 7);
      // The epoch goes up: whoever acted on the run before cannot write about it any more.
      const { rows } = await tx.query<ProjectRow>(
        `UPDATE ${s}.projects SET state = $2, stop_reason = $3, exit_code = $4, signal = $5, ready = false, port = NULL,
           pid = NULL, stopped_at = now(), updated_at = now(), epoch = epoch + 1, desired = CASE WHEN $6 THEN 'stopped' ELSE desired END
          WHERE id = $1${fenced.sql} RETURNING ${PROJECT_COLUMNS}`,
        [projectId, outcome.state, outcome.reason, exitCode, signal, actor !== undefined, ...fenced.params],
      );
      if (!rows[0]) throw new FencedOut(projectId, fence as RunFence);
      const run = await tx.query<{ id: string }>(
        `UPDATE ${s}.runs SET ended_at = now(), outcome = $2, reason = $3, exit_code = $4, signal = $5
          WHERE project_id = $1 AND ended_at IS NULL RETURNING id`,
        [projectId, outcome.state, outcome.reason, exitCode, signal],
      );
      const runId = run.rows[0]?.id ?? current.run_id;
      await asPlatform(tx);
      await journal(
        tx,
        this.tenantId,
        { type: `project.${outcome.state}`, key: projectId, payload: { projectId, runId, reason: outcome.reason, exitCode, signal } },
        actor ? { actor, action: 'project.stop', target: projectId, detail: { reason: outcome.reason, runId } } : undefined,
      );
      return toProject(this.tenantId, rows[0]);
    });
  }

  /** Why a fenced write matched no row: the project is gone, or the fence is stale. */
  private async lost(scope: Scope, projectId: string, fence: RunFence): Promise<DebugHostError> {
    const { rows } = await scope.tx.query(`SELECT 1 FROM ${scope.s}.projects WHERE id = $1`, [projectId]);
    return rows[0] ? new FencedOut(projectId, fence) : notFound('project', projectId);
  }

  appendLogs(lines: readonly LogLine[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return this.scoped(async ({ tx, s }) => {
      try {
        await logs.appendLogs(tx, s, lines);
      } catch (err) {
        // The project is not in this tenant's schema (or was never registered).
        if (sqlState(err) === '23503') throw notFound('project', firstUnknown(lines));
        throw err;
      }
    });
  }

  queryLogs(filter: LogFilter): Promise<LogLine[]> {
    return this.scoped(({ tx, s }) => logs.queryLogs(tx, s, filter), 'read');
  }

  logContext(projectId: string, seq: number, before: number, after: number): Promise<LogLine[]> {
    return this.scoped(({ tx, s }) => logs.logContext(tx, s, projectId, seq, before, after), 'read');
  }

  maxLogSeq(projectId: string): Promise<number> {
    return this.scoped(({ tx, s }) => logs.maxLogSeq(tx, s, projectId), 'read');
  }

  clearLogs(projectId: string | undefined, actor: Actor): Promise<number> {
    return this.scoped(async (scope) => {
      if (projectId !== undefined) await this.project(scope, projectId);
      const n = await logs.clearLogs(scope.tx, scope.s, projectId);
      await asPlatform(scope.tx);
      const target = projectId ?? this.tenantId;
      await journal(
        scope.tx,
        this.tenantId,
        { type: 'logs.cleared', key: target, payload: { projectId: projectId ?? null, lines: n } },
        { actor, action: 'logs.clear', target, detail: { lines: n } },
      );
      return n;
    });
  }

  logStats(projectId?: string): Promise<LogStats> {
    return this.scoped(({ tx, s }) => logs.logStats(tx, s, projectId), 'read');
  }

  pruneLogs(keepPerProject: number): Promise<number> {
    return this.scoped(({ tx, s }) => logs.pruneLogs(tx, s, keepPerProject));
  }

  usage(): Promise<TenantUsage> {
    return this.scoped(async ({ tx, s, tenant }) => {
      const { rows } = await tx.query<{ running: number; ports: number; projects: number; lines: number; bytes: number }>(
        `SELECT (SELECT count(*)::int FROM ${s}.runs WHERE ended_at IS NULL) AS running,
                (SELECT count(*)::int FROM ${s}.projects WHERE port IS NOT NULL) AS ports,
                (SELECT count(*)::int FROM ${s}.projects) AS projects,
                (SELECT count(*)::float8 FROM ${s}.logs) AS lines,
                (SELECT coalesce(sum(octet_length(message)), 0)::float8 FROM ${s}.logs) AS bytes`,
      );
      const u = rows[0] ?? { running: 0, ports: 0, projects: 0, lines: 0, bytes: 0 };
      return {
        tenantId: this.tenantId,
        containers: { used: u.running, limit: tenant.containers },
        ports: { used: u.ports, limit: tenant.ports },
        projects: u.projects,
        logLines: u.lines,
        logBytes: u.bytes,
        storageMiB: { used: Math.round((u.bytes / 1_048_576) * 100) / 100, limit: tenant.storage_mib },
      };
    }, 'read');
  }

  listAudit(limit: number): Promise<AuditRecord[]> {
    return this.scoped(async ({ tx }) => {
      await asPlatform(tx);
      const { rows } = await tx.query<AuditRow>(
        'SELECT id, tenant_id, actor, action, target, detail, at FROM platform.audit WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2',
        [this.tenantId, Math.max(0, Math.floor(limit))],
      );
      return rows.map(toAudit);
    }, 'read');
  }
}

function firstUnknown(lines: readonly LogLine[]): string {
  return lines[0]?.projectId ?? '';
}
