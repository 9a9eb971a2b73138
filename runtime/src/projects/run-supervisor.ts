/**
 * Supervises the runs on this replica: launches through the driver, watches readiness,
 * and on an unexpected exit restarts with exponential backoff up to the project's limit.
 * Every state change is recorded in the store (with its outbox event) as it happens, fenced
 * on the run id, this replica and the epoch it took the run with (store/fence.ts): a write
 * that loses means another replica owns the run now, and this one lets go of it. Nothing is
 * launched or restarted while the owner lease is not held (cluster/owner-lease.ts), and
 * when it lapses every run is let go of.
 */
import type { Logger } from 'pino';
import type { OwnerLease } from '../cluster/owner-lease.js';
import { DebugHostError } from '../domain/errors.js';
import type { Driver, ExitInfo, RunHandle } from '../drivers/driver.js';
import { ReadinessWatch } from '../drivers/readiness.js';
import { addFacts, inSpan } from '../tracing/spans.js';
import type { ProjectRecord } from '../domain/types.js';
import type { LogPipeline } from '../logs/log-pipeline.js';
import type { Metrics } from '../metrics/metrics.js';
import { isFencedOut, type RunFence } from '../store/fence.js';
import type { TenantStore } from '../store/store.js';
import { resolveCwd } from './workspace.js';

interface LiveRun {
  readonly tenant: TenantStore;
  project: ProjectRecord;
  readonly runId: string;
  readonly port: number;
  /** What every write about the run is conditioned on. */
  readonly fence: Required<RunFence>;
  handle?: RunHandle;
  /** A launch through the driver in flight (the first, or a restart after a crash): a stop waits for it. */
  spawning?: Promise<unknown>;
  readiness?: ReadinessWatch;
  backoffTimer?: NodeJS.Timeout;
  stopping: boolean;
  restarts: number;
  /** When this replica launched it (epoch ms). */
  readonly launchedAt: number;
  lastActivity: number;
  /** Settles when the run has ended for good (stopped, crashed out, exited). */
  readonly ended: Promise<void>;
  end(): void;
}

export interface SupervisorDeps {
  readonly driver: Driver;
  readonly logs: LogPipeline;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly replicaId: string;
  readonly stopGraceMs: number;
  readonly lease: OwnerLease;
}

/** This replica may not act as an owner now: its membership could not be renewed in time. */
export class LeaseNotHeld extends DebugHostError {
  constructor() {
    super('unavailable', 'This replica lost its place in the cluster for a moment (its membership could not be renewed in time) and runs nothing until it is back.', {
      fix: 'Call again: the call is routed to the project\'s owner.',
      facts: { retryAfterMs: 1000 },
    });
  }
}

export class RunSupervisor {
  private readonly runs = new Map<string, LiveRun>();

  constructor(private readonly deps: SupervisorDeps) {
    deps.lease.onLapse(() => void this.letGoOfAll());
  }

  /** The fence of a live run, to compare with the store's record. */
  fenceOf(projectId: string): Required<RunFence> | undefined {
    return this.runs.get(projectId)?.fence;
  }

  get activeCount(): number {
    return this.runs.size;
  }

  isLive(projectId: string): boolean {
    return this.runs.has(projectId);
  }

  /** When this replica launched the run (epoch ms), or undefined when it runs none. */
  launchedAt(projectId: string): number | undefined {
    return this.runs.get(projectId)?.launchedAt;
  }

  /** Whether the run can be let go of and keep running, for its next owner to adopt (a Pod). */
  canDetach(projectId: string): boolean {
    return this.runs.get(projectId)?.handle?.detach !== undefined;
  }

  touch(projectId: string): void {
    const run = this.runs.get(projectId);
    if (run) run.lastActivity = Date.now();
  }

  /** Idle for longer than the project's idle timeout (0 disables). */
  idleRuns(now: number): Array<{ tenant: TenantStore; projectId: string; idleSec: number }> {
    const idle: Array<{ tenant: TenantStore; projectId: string; idleSec: number }> = [];
    for (const [projectId, run] of this.runs) {
      const limit = run.project.idleTimeoutSec;
      const idleSec = Math.floor((now - run.lastActivity) / 1000);
      if (limit > 0 && !run.stopping && idleSec >= limit) idle.push({ tenant: run.tenant, projectId, idleSec });
    }
    return idle;
  }

  /** Launches a run whose start is already durably claimed. Resolves once the process runs. */
  async launch(tenant: TenantStore, project: ProjectRecord, runId: string, port: number, restarts = 0): Promise<ProjectRecord> {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const now = Date.now();
    const fence = { runId, owner: this.deps.replicaId, epoch: project.epoch };
    const run: LiveRun = { tenant, project, runId, port, fence, stopping: false, restarts, launchedAt: now, lastActivity: now, ended, end };
    this.runs.set(project.id, run);
    this.deps.metrics.setActive(this.runs.size);
    try {
      await this.deps.logs.open(tenant, project.id);
      return await this.spawn(run);
    } catch (error) {
      this.forget(run);
      throw error;
    }
  }

  /**
   * Stops a live run: cancels a pending restart or stops the process group. Resolves with
   * the exit once every line is flushed. Undefined when nothing ran here.
   */
  async stop(projectId: string): Promise<ExitInfo | undefined> {
    const run = this.runs.get(projectId);
    if (!run) return undefined;
    run.stopping = true;
    if (run.backoffTimer) clearTimeout(run.backoffTimer);
    // A launch in flight ends with a handle to stop, or with nothing launched.
    await run.spawning?.catch(() => undefined);
    run.readiness?.cancel();
    const exit = run.handle ? await run.handle.stop(this.deps.stopGraceMs) : { code: run.project.exitCode ?? null, signal: null };
    await this.deps.logs.flush(projectId);
    this.forget(run);
    return exit;
  }

  /**
   * Lets go of a live run without ending it where the driver can (a Pod keeps running and
   * its next owner adopts it), and stops it otherwise (a process cannot be captured again).
   * For drain, shutdown and runs another replica owns now.
   */
  async handOff(projectId: string): Promise<void> {
    const run = this.runs.get(projectId);
    if (!run) return;
    const handle = run.handle;
    if (!handle?.detach) {
      await this.stop(projectId);
      return;
    }
    run.stopping = true;
    if (run.backoffTimer) clearTimeout(run.backoffTimer);
    run.readiness?.cancel();
    await handle.detach();
    await this.deps.logs.flush(projectId);
    this.forget(run);
  }

  /** Waits for a run to end by itself (tests, drain). */
  async whenEnded(projectId: string): Promise<void> {
    await this.runs.get(projectId)?.ended;
  }

  /** Live runs, of one tenant when given. */
  liveProjectIds(tenantId?: string): string[] {
    return [...this.runs].filter(([, run]) => !tenantId || run.tenant.tenantId === tenantId).map(([id]) => id);
  }

  private spawn(run: LiveRun): Promise<ProjectRecord> {
    const spawning = this.launchAndRecord(run);
    run.spawning = spawning;
    return spawning.finally(() => {
      if (run.spawning === spawning) run.spawning = undefined;
    });
  }

  /** Launches through the driver and records the start; stops what it launched when a later step fails. */
  private async launchAndRecord(run: LiveRun): Promise<ProjectRecord> {
    const { project } = run;
    if (!this.deps.lease.held()) throw new LeaseNotHeld();
    const cwd = await resolveCwd(project.workspace, project.cwd);
    const handle = await this.deps.driver.launch(
      { tenantId: project.tenantId, projectId: project.id, runId: run.runId, command: project.command, workspace: project.workspace, cwd, env: project.env, port: run.port, readiness: project.readiness },
      (stream, line) => {
        run.lastActivity = Date.now();
        this.deps.metrics.logLines.inc({ stream });
        this.deps.logs.append(project.id, run.runId, stream, line);
        run.readiness?.offerLine(line);
      },
    );
    run.handle = handle;
    // Stopped while the driver launched (a restart after a crash): stop() ends it, nothing to record.
    if (run.stopping) return run.project;
    try {
      // Without a readiness check a run is ready once it runs: one write instead of two.
      const immediate = project.readiness.kind === 'none';
      if (!immediate) run.readiness = new ReadinessWatch(project.readiness, handle.host, run.port, handle.ready);
      const startedAt = new Date();
      run.project = await run.tenant.recordState(
        project.id,
        { state: immediate ? 'running' : 'starting', ready: immediate, pid: handle.pid, startedAt, restarts: run.restarts },
        { type: 'project.started', payload: { runId: run.runId, pid: handle.pid, port: run.port, restarts: run.restarts } },
        run.fence,
      );
    } catch (error) {
      // Nobody would supervise it: the caller records the failed start.
      run.readiness?.cancel();
      run.handle = undefined;
      await handle.stop(this.deps.stopGraceMs).catch((stopError: unknown) => this.deps.logger.error({ err: stopError, projectId: project.id }, 'could not stop a run whose start failed'));
      throw error;
    }
    const failed = (what: string) => (error: unknown) => this.deps.logger.error({ err: error, projectId: project.id, runId: run.runId }, `${what} failed`);
    const readiness = run.readiness;
    if (readiness) {
      // A child of the start call that outlives it: the wait for the project to come up.
      void inSpan('readiness.wait', { operation: project.readiness.kind, tenant: project.tenantId, project: project.id }, async (span) => {
        const ready = await readiness.ready;
        addFacts(span, { outcome: ready ? 'ready' : 'not-ready' });
        return ready;
      }).then((ready) => this.onReady(run, handle, ready)).catch(failed('recording readiness'));
    }
    handle.exited.then((exit) => this.onExit(run, handle, exit)).catch(failed('handling the end of a run'));
    return run.project;
  }

  private async onReady(run: LiveRun, handle: RunHandle, ready: boolean): Promise<void> {
    if (!ready || run.stopping || run.handle !== handle) return;
    await this.record(run, { state: 'running', ready: true }, 'project.ready');
  }

  private async onExit(run: LiveRun, handle: RunHandle, exit: ExitInfo): Promise<void> {
    run.readiness?.cancel();
    if (run.stopping || run.handle !== handle) return; // stop() records the outcome
    run.handle = undefined;
    if (!this.deps.lease.held()) {
      // The keeper killed it as the lease ran out; whoever owns the run now (or this replica,
      // once back) starts it again. Nothing to record: this replica may not write as owner.
      this.deps.logger.warn({ projectId: run.project.id, runId: run.runId }, 'a run ended while the owner lease was lapsed; letting go of it');
      await this.deps.logs.flush(run.project.id);
      this.forget(run);
      return;
    }
    await this.deps.logs.flush(run.project.id);
    const { project } = run;
    if (exit.code === 0) {
      await this.finish(run, { state: 'stopped', reason: 'exited', exitCode: 0 });
      return;
    }
    const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
    if (run.restarts >= project.restart.maxRestarts) {
      await this.finish(run, { state: 'crashed', reason: `crashed with ${how}; gave up after ${run.restarts} restarts`, exitCode: exit.code ?? undefined, signal: exit.signal ?? undefined });
      return;
    }
    const delayMs = Math.min(project.restart.initialBackoffMs * 2 ** run.restarts, project.restart.maxBackoffMs);
    run.restarts += 1;
    this.deps.metrics.restarts.inc({ reason: 'crash' });
    this.deps.logs.append(project.id, run.runId, 'system', `crashed with ${how}; restart ${run.restarts}/${project.restart.maxRestarts} in ${delayMs} ms`, 'warn');
    await this.record(
      run,
      { state: 'backoff', ready: false, exitCode: exit.code ?? undefined, signal: exit.signal ?? undefined, restarts: run.restarts, stopReason: `crashed with ${how}` },
      'project.crashed',
      { exitCode: exit.code, signal: exit.signal, restartInMs: delayMs },
    );
    run.backoffTimer = setTimeout(() => {
      if (run.stopping) return;
      if (!this.deps.lease.held()) {
        this.forget(run);
        return;
      }
      this.spawn(run).catch(async (error: unknown) => {
        this.deps.logger.error({ err: error, projectId: project.id }, 'restart failed');
        await this.finish(run, { state: 'crashed', reason: `restart failed: ${(error as Error).message}` });
      });
    }, delayMs);
  }

  private async finish(run: LiveRun, outcome: { state: 'stopped' | 'crashed'; reason: string; exitCode?: number; signal?: string }): Promise<void> {
    this.deps.logs.append(run.project.id, run.runId, 'system', `${outcome.state}: ${outcome.reason}`, outcome.state === 'crashed' ? 'error' : 'info');
    await this.deps.logs.flush(run.project.id);
    try {
      run.project = await run.tenant.release(run.project.id, outcome, undefined, run.fence);
    } catch (error) {
      if (isFencedOut(error)) this.deps.logger.warn({ projectId: run.project.id, runId: run.runId }, 'the run changed hands before its end was recorded; the new owner keeps it');
      else this.deps.logger.error({ err: error, projectId: run.project.id }, 'could not record the end of a run');
    }
    this.forget(run);
  }

  private async record(run: LiveRun, patch: Parameters<TenantStore['recordState']>[1], type: string, payload: Record<string, unknown> = {}): Promise<void> {
    try {
      run.project = await run.tenant.recordState(run.project.id, patch, { type, payload: { runId: run.runId, ...payload } }, run.fence);
    } catch (error) {
      if (!isFencedOut(error)) {
        this.deps.logger.error({ err: error, projectId: run.project.id, type }, 'could not record a state change');
        return;
      }
      // Another replica owns the run now: it must not run here as well.
      this.deps.logger.warn({ projectId: run.project.id, runId: run.runId, epoch: run.fence.epoch }, 'lost the run to another owner; letting go of it');
      await this.handOff(run.project.id);
    }
  }

  /** The owner lease lapsed: peers may take every run over, so none may run here any more. */
  private async letGoOfAll(): Promise<void> {
    const ids = [...this.runs.keys()];
    if (ids.length === 0) return;
    this.deps.logger.warn({ runs: ids.length }, 'the owner lease lapsed (membership not renewed in time): letting go of every run');
    await Promise.all(ids.map((id) => this.handOff(id).catch((error: unknown) => this.deps.logger.error({ err: error, projectId: id }, 'could not let go of a run'))));
  }

  private forget(run: LiveRun): void {
    if (this.runs.get(run.project.id) === run) {
      this.runs.delete(run.project.id);
      // Ended runs keep no log memory; their lines are in the store.
      void this.deps.logs.close(run.project.id);
    }
    this.deps.metrics.setActive(this.runs.size);
    run.end();
  }
}
