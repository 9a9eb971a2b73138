/**
 * What the tools do to projects, in one place: register, start, stop, restart, status,
 * logs; plus the replica's housekeeping (idle reaping, log retention, recovery after a
 * restart). The store is the source of truth; the supervisor holds only live processes.
 */
import type { Logger } from 'pino';
import { OwnerLease } from '../cluster/owner-lease.js';
import { DebugHostError, notFound } from '../domain/errors.js';
import type { Actor, LogLine, ProjectRecord, ProjectSpec } from '../domain/types.js';
import type { Driver } from '../drivers/driver.js';
import { isPortOpen } from '../drivers/readiness.js';
import type { LogPipeline } from '../logs/log-pipeline.js';
import type { Metrics } from '../metrics/metrics.js';
import { isFencedOut, type RunFence } from '../store/fence.js';
import type { Store, TenantStore } from '../store/store.js';
import { ProjectLocks } from './project-locks.js';
import { LeaseNotHeld, RunSupervisor } from './run-supervisor.js';
import { forEachBounded } from './bounded.js';
import type { SupervisionSettings } from './settings.js';
import { checkWorkspace, resolveCwd } from './workspace.js';

export interface ProjectServiceDeps {
  readonly store: Store;
  readonly driver: Driver;
  readonly logs: LogPipeline;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly settings: SupervisionSettings;
  /** Until when this replica may act as an owner. @default OwnerLease.alone() */
  readonly lease?: OwnerLease;
}

export interface ProjectStatus extends ProjectRecord {
  readonly uptimeSec?: number;
  /** Whether this replica is running it right now. */
  readonly live: boolean;
}

export class ProjectService {
  readonly supervisor: RunSupervisor;
  readonly lease: OwnerLease;
  private reaper?: NodeJS.Timeout;
  /** One operation per project at a time here; ownership reconciling leaves held projects alone. */
  private readonly locks = new ProjectLocks();

  isBusy(projectId: string): boolean {
    return this.locks.isHeld(projectId);
  }

  constructor(private readonly deps: ProjectServiceDeps) {
    this.lease = deps.lease ?? OwnerLease.alone();
    this.supervisor = new RunSupervisor({
      lease: this.lease,
      driver: deps.driver,
      logs: deps.logs,
      metrics: deps.metrics,
      logger: deps.logger,
      replicaId: deps.replicaId,
      stopGraceMs: deps.settings.stopGraceMs,
    });
  }

  async register(tenant: TenantStore, spec: ProjectSpec, actor: Actor): Promise<ProjectRecord> {
    const workspace = await checkWorkspace(spec.workspace);
    await resolveCwd(workspace, spec.cwd);
    return tenant.registerProject({ ...spec, workspace }, actor);
  }

  /** Resolves an id or a name within the tenant; another tenant's project is "not found". */
  async find(tenant: TenantStore, idOrName: string): Promise<ProjectRecord> {
    const byId = isUuid(idOrName) ? await tenant.getProject(idOrName) : undefined;
    if (byId) return byId;
    const byName = (await tenant.listProjects({ nameContains: idOrName })).find((p) => p.name === idOrName);
    if (byName) return byName;
    throw notFound('project', idOrName);
  }

  /** Acknowledged once the start is durably recorded and the process runs. */
  async start(tenant: TenantStore, idOrName: string, actor: Actor): Promise<ProjectRecord> {
    const project = await this.find(tenant, idOrName);
    return this.locks.run(project.id, () => this.startFound(tenant, project, actor));
  }

  private async startFound(tenant: TenantStore, project: ProjectRecord, actor: Actor): Promise<ProjectRecord> {
    if (!this.lease.held()) throw new LeaseNotHeld();
    const portAvailable = this.deps.driver.portAvailable?.bind(this.deps.driver);
    const claim = await tenant.claimStart(project.id, actor, this.deps.replicaId, { portAvailable });
    try {
      return await this.supervisor.launch(tenant, claim.project, claim.runId, claim.port);
    } catch (error) {
      // A quota refused by the platform (a ResourceQuota) leaves the project stopped, as a refused claim does.
      const refused = error instanceof DebugHostError && error.code === 'quota_exceeded';
      const reason = refused ? `start refused: ${error.message}` : `could not launch: ${(error as Error).message}`;
      const fence = { runId: claim.runId, owner: this.deps.replicaId, epoch: claim.project.epoch };
      // Fenced: the run is another replica's now (it took over while this one launched), not ours to end.
      await tenant.release(project.id, { state: refused ? 'stopped' : 'crashed', reason }, actor, fence).catch((releaseError: unknown) => {
        if (!isFencedOut(releaseError)) throw releaseError;
      });
      if (error instanceof DebugHostError) throw error;
      throw new DebugHostError('conflict', `The project could not be launched: ${(error as Error).message}`, {
        fix: 'Check the command and the workspace, then call host.start again.',
      });
    }
  }

  /**
   * Stops a project's run. Only its owner does (`ownerOnly`): a run another replica supervises
   * is refused with `unavailable`, so that the call goes to that replica (or, if it died, to
   * the one that takes the run over) and never ends a record while its process runs on. A
   * tenant's suspension stops every run wherever it is (`ownerOnly` false): each owner then
   * stops what is no longer wanted within a reconcile pass.
   */
  async stop(tenant: TenantStore, idOrName: string, actor: Actor | undefined, reason = 'requested', ownerOnly = true): Promise<ProjectRecord> {
    // A replica woken from a pause must not stop (delete) what a peer took over meanwhile.
    if (!this.lease.held()) throw new LeaseNotHeld();
    const { id } = await this.find(tenant, idOrName);
    // Read again once it is this call's turn: an operation before it may have changed the run.
    return this.locks.run(id, async () => this.stopFound(tenant, await this.find(tenant, id), actor, reason, ownerOnly));
  }

  private async stopFound(tenant: TenantStore, project: ProjectRecord, actor: Actor | undefined, reason: string, ownerOnly = true): Promise<ProjectRecord> {
    const local = this.supervisor.fenceOf(project.id);
    if (ownerOnly && !local && holdsSlot(project) && project.owner !== undefined && project.owner !== this.deps.replicaId) {
      throw new DebugHostError('unavailable', `Project '${project.name}' runs on replica ${project.owner}, not on this one; nothing was changed.`, {
        fix: 'Call again: the call goes to the replica that runs it (if that replica has died, its runs move to another within seconds).',
        facts: { retryAfterMs: 1000, owner: project.owner },
      });
    }
    // The run as this replica runs it, else as the store last saw it: a stop never ends a newer run.
    const fence: RunFence | undefined = local ?? (project.runId ? { runId: project.runId, epoch: project.epoch } : undefined);
    const exit = await this.supervisor.stop(project.id);
    if (!exit && !holdsSlot(project)) {
      throw new DebugHostError('conflict', `Project '${project.name}' is not running (state ${project.state}).`, {
        field: 'projectId',
        fix: 'Call host.start to run it, or host.status to see its last run.',
      });
    }
    return tenant.release(
      project.id,
      { state: 'stopped', reason, exitCode: exit?.code ?? undefined, signal: exit?.signal ?? undefined },
      actor,
      fence,
    );
  }

  async restart(tenant: TenantStore, idOrName: string, actor: Actor): Promise<ProjectRecord> {
    if (!this.lease.held()) throw new LeaseNotHeld();
    const { id } = await this.find(tenant, idOrName);
    return this.locks.run(id, async () => {
      const project = await this.find(tenant, id);
      if (this.supervisor.isLive(id) || holdsSlot(project)) await this.stopFound(tenant, project, actor, 'restart requested');
      return this.startFound(tenant, await this.find(tenant, id), actor);
    });
  }

  async status(tenant: TenantStore, idOrName: string): Promise<ProjectStatus> {
    const project = await this.find(tenant, idOrName);
    this.supervisor.touch(project.id);
    const live = this.supervisor.isLive(project.id);
    const running = project.state === 'starting' || project.state === 'running';
    const uptimeSec = running && project.startedAt ? Math.max(0, Math.round((Date.now() - project.startedAt.getTime()) / 1000)) : undefined;
    return { ...project, live, uptimeSec };
  }

  /** Flushes pending lines of one project, or of the tenant's live ones, so that a store query sees them. */
  async flushLogs(tenant: TenantStore, projectId?: string): Promise<void> {
    const ids = projectId ? [projectId] : this.supervisor.liveProjectIds(tenant.tenantId);
    await Promise.all(ids.map((id) => this.deps.logs.flush(id)));
  }

  /** Whether a port of the tenant accepts connections, where the driver runs projects. */
  portOpen(tenantId: string, port: number, projectId?: string): Promise<boolean> {
    const { driver } = this.deps;
    return driver.portOpen ? driver.portOpen({ tenantId, projectId }, port) : isPortOpen('127.0.0.1', port);
  }

  tail(projectId: string, limit: number): LogLine[] {
    this.supervisor.touch(projectId);
    return this.deps.logs.tail(projectId, limit);
  }

  async clearLogs(tenant: TenantStore, projectId: string | undefined, actor: Actor): Promise<number> {
    const ids = projectId ? [projectId] : this.supervisor.liveProjectIds(tenant.tenantId);
    await Promise.all(ids.map((id) => this.deps.logs.flush(id)));
    const removed = await tenant.clearLogs(projectId, actor);
    for (const id of ids) this.deps.logs.clear(id);
    return removed;
  }

  /** Stops every live project of a tenant (suspend, delete). */
  async stopTenant(tenant: TenantStore, reason: string): Promise<number> {
    const projects = await tenant.listProjects({ states: ['starting', 'running', 'backoff'] });
    for (const project of projects) await this.stop(tenant, project.id, undefined, reason, false);
    return projects.length;
  }

  /**
   * After this replica restarts: projects it ran that should still run are started again
   * on their leased port (a process left over from the previous life is killed first, as
   * its output can no longer be captured); those that cannot be started are marked lost.
   */
  async recover(): Promise<{ restarted: number; lost: number }> {
    let restarted = 0;
    let lost = 0;
    // Runs that ended by themselves (exited, crashed out, lost) hold no lease: nothing to resume.
    const leased = (await this.deps.store.listDesiredRunning()).filter((p) => !this.supervisor.isLive(p.id) && p.port !== undefined);
    await forEachBounded(leased, this.deps.settings.resumeConcurrency, async (project) => {
      const tenant = this.deps.store.tenant(project.tenantId);
      try {
        if (project.pid) await this.deps.driver.reapOrphan({ tenantId: project.tenantId, projectId: project.id, pid: project.pid });
        await this.resume(tenant, project, 'started again after the runtime restarted');
        restarted += 1;
      } catch (error) {
        lost += 1;
        const fence = project.runId ? { runId: project.runId, epoch: project.epoch } : undefined;
        await tenant
          .release(project.id, { state: 'lost', reason: `the runtime restarted and could not start it again: ${(error as Error).message}` }, undefined, fence)
          .catch((releaseError: unknown) => this.deps.logger.error({ err: releaseError }, 'could not mark a project lost'));
      }
    });
    return { restarted, lost };
  }

  /**
   * Starts a run again on its existing lease (recovery, takeover), with the reason in its log;
   * with `owner`, only while the store still names that replica its owner.
   */
  async resume(tenant: TenantStore, project: ProjectRecord, reason: string, owner?: string): Promise<void> {
    const runId = project.runId;
    if (!runId || project.port === undefined) throw new Error('it holds no lease');
    await this.locks.run(project.id, async () => {
      if (this.supervisor.isLive(project.id)) return;
      // The caller's record may be stale (the reconciler lists runs, then resumes them one by
      // one): a run stopped, started again or handed to another replica since then must not
      // be started from it.
      const current = await tenant.getProject(project.id);
      if (current?.desired !== 'running' || current.runId !== runId || current.port === undefined) return;
      if (owner !== undefined && current.owner !== owner) return;
      // Taken with a new epoch, so that an earlier life of this replica (or the owner it was
      // recorded under) can no longer write about the run.
      const self = this.deps.replicaId;
      const taken =
        current.owner === self
          ? await tenant.renewFence(project.id, { runId, owner: self, epoch: current.epoch })
          : (await tenant.handOver(project.id, current.owner, self, reason, current.epoch)) ? await tenant.getProject(project.id) : undefined;
      if (!taken || taken.port === undefined) return;
      this.deps.metrics.restarts.inc({ reason: 'recovery' });
      await this.supervisor.launch(tenant, taken, runId, taken.port, taken.restarts);
      this.deps.logs.append(project.id, runId, 'system', reason, 'warn');
    });
  }

  /**
   * Lets go of a live run here (a Pod keeps running, a process stops) and hands its lease to
   * replica `to` (drain, rebalancing), with the reason in the project's log. False when the
   * lease changed meanwhile (stopped, or no longer this replica's).
   */
  async handOver(tenant: TenantStore, project: ProjectRecord, to: string, reason: string): Promise<boolean> {
    return this.locks.run(project.id, async () => {
      if (project.runId) this.deps.logs.append(project.id, project.runId, 'system', `handed to replica ${to}: ${reason}`, 'warn');
      const epoch = this.supervisor.fenceOf(project.id)?.epoch ?? project.epoch;
      await this.supervisor.handOff(project.id);
      return tenant.handOver(project.id, this.deps.replicaId, to, reason, epoch);
    });
  }

  /** Periodic housekeeping: idle reaping and log retention. */
  startHousekeeping(): void {
    this.reaper = setInterval(() => {
      this.housekeep().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'housekeeping failed; retrying next round'));
    }, this.deps.settings.reapIntervalMs);
    this.reaper.unref();
  }

  async housekeep(now = Date.now()): Promise<void> {
    const idleRuns = this.lease.held() ? this.supervisor.idleRuns(now) : [];
    for (const idle of idleRuns) {
      await this.stop(idle.tenant, idle.projectId, undefined, `idle: no activity for ${idle.idleSec}s`).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, projectId: idle.projectId }, 'idle reap failed'),
      );
    }
    for (const tenant of await this.deps.store.listTenants()) {
      await this.deps.store
        .tenant(tenant.id)
        .pruneLogs(this.deps.settings.logRetentionLines)
        .catch((error: unknown) => this.deps.logger.warn({ err: error, tenant: tenant.id }, 'log retention failed'));
    }
  }

  /**
   * Lets go of every live run, keeping desired state so that the next start recovers them:
   * processes are stopped, Pods keep running and are adopted by the next start.
   */
  async shutdown(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    await Promise.all(this.supervisor.liveProjectIds().map((id) => this.supervisor.handOff(id)));
    await this.deps.logs.flushAll();
  }
}

const holdsSlot = (project: ProjectRecord): boolean => ['starting', 'running', 'backoff', 'stopping'].includes(project.state);

const isUuid = (value: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
