/**
 * Every line a project prints goes into its ring buffer (fast tail) and its pending lines,
 * which are written to the tenant's schema every `flushIntervalMs` or `batchSize` lines,
 * whichever comes first, in seq order (project-log.ts).
 *
 * No line is lost while the store is down: a failed batch stays pending and is retried with
 * backoff, lines appended meanwhile queue behind it. Memory is bounded per project and for
 * the replica; past a cap the oldest pending lines go to a spill file per project under the
 * data dir (spill-file.ts), written back in order once the store takes lines again; only
 * when the spill is full too are lines dropped, counted (`debug_host_log_lines_dropped_total`)
 * and replaced by one `system` line saying how many. `flush(projectId)` waits for what is
 * pending, at most `flushTimeoutMs`, then reports; `close` and `shutdown` spill what they
 * cannot write, and `recover` writes what a previous life of the replica spilled.
 */
import type { Logger } from 'pino';
import type { LogLevel, LogLine, LogStream } from '../domain/types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { TenantStore } from '../store/store.js';
import { resolveLogSettings, type LogPipelineSettings, type ResolvedLogSettings } from './log-settings.js';
import { ProjectLog, type DropReason, type ProjectLogReport } from './project-log.js';
import { SpillBudget, SpillFile, spillPathFor } from './spill-file.js';

export type { LogPipelineSettings } from './log-settings.js';

export interface LogPipelineOptions {
  readonly settings?: LogPipelineSettings;
  /** Where the spill files go, one per project. @default - none: lines past the memory caps are dropped */
  readonly spillDir?: string;
  /** @default - silent */
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** @default - not counted */
  readonly metrics?: Pick<Metrics, 'logLinesDropped' | 'logLinesSpilled' | 'watchLogBacklog'>;
}

/** What a flush found: whether everything appended before it is in the store, and what is still pending. */
export interface FlushResult {
  readonly stored: boolean;
  /** Lines in memory. */
  readonly memory: number;
  /** Lines in the spill file. */
  readonly spilled: number;
}

export interface LogBacklog {
  readonly memory: number;
  readonly spilled: number;
  readonly spilledBytes: number;
}

/** A project's drops are logged at most this often (they are counted every time). */
const DROP_LOG_INTERVAL_MS = 10_000;

export class LogPipeline {
  private readonly projects = new Map<string, ProjectLog>();
  private readonly settings: ResolvedLogSettings;
  private readonly memory = { lines: 0 };
  private readonly budget: SpillBudget;
  private readonly report: ProjectLogReport;
  private readonly dropLogged = new Map<string, number>();

  constructor(private readonly options: LogPipelineOptions = {}) {
    this.settings = resolveLogSettings(options.settings);
    this.budget = new SpillBudget(this.settings.spillBytesPerProject, this.settings.spillBytes);
    this.report = this.reporter();
    options.metrics?.watchLogBacklog(() => this.backlog());
  }

  /** Opens (or reuses) a project's log, continuing its seq from what the store and this replica hold. */
  async open(tenant: TenantStore, projectId: string): Promise<void> {
    if (this.projects.get(projectId)?.closed === false) return;
    const seq = await tenant.maxLogSeq(projectId);
    const log = this.projects.get(projectId);
    if (log?.closed === false) return;
    if (log) log.reopen(tenant, seq);
    else this.projects.set(projectId, this.newLog(tenant, projectId, seq));
  }

  append(projectId: string, runId: string, stream: LogStream, message: string, level?: LogLevel): LogLine | undefined {
    const log = this.projects.get(projectId);
    if (!log || log.closed) return undefined;
    const line = log.append(runId, stream, message, level);
    if (this.memory.lines > this.settings.maxPendingLines) this.relieveOldest();
    return line;
  }

  /** The newest lines from memory, oldest first. */
  tail(projectId: string, limit: number): LogLine[] {
    return this.projects.get(projectId)?.ring?.tail(limit) ?? [];
  }

  /**
   * Waits until every line appended so far is in the store, at most `flushTimeoutMs`; then
   * logs and returns what is still pending (it stays pending and is retried). Never throws.
   */
  async flush(projectId: string): Promise<FlushResult> {
    const log = this.projects.get(projectId);
    if (!log) return { stored: true, memory: 0, spilled: 0 };
    const stored = await log.flush(this.settings.flushTimeoutMs);
    const result = { stored, memory: log.memoryLines, spilled: log.spilledLines };
    if (!stored) {
      this.options.logger?.warn(
        { projectId, tenant: log.tenant.tenantId, timeoutMs: this.settings.flushTimeoutMs, pendingInMemory: result.memory, spilled: result.spilled },
        'log lines are not stored yet (the store does not take them); they stay pending and are retried',
      );
    }
    return result;
  }

  async flushAll(): Promise<FlushResult[]> {
    return Promise.all([...this.projects.keys()].map((id) => this.flush(id)));
  }

  /** Forgets pending and in-memory lines after the store's were cleared. */
  clear(projectId: string): void {
    this.projects.get(projectId)?.clear();
  }

  /**
   * A run ended: the log takes no more lines and keeps no tail; its pending lines are
   * written, or spilled once `flushTimeoutMs` has passed. A new run of the project opening
   * it meanwhile continues it. Never throws.
   */
  async close(projectId: string): Promise<void> {
    const log = this.projects.get(projectId);
    if (!log || log.closed) return;
    await log.close(this.settings.flushTimeoutMs);
  }

  /** Stops every writer; what is pending goes to the spill files for the next start. Returns the lines lost. */
  shutdown(): number {
    let lost = 0;
    for (const log of this.projects.values()) lost += log.shutdown();
    this.projects.clear();
    if (lost > 0) this.options.logger?.error({ lines: lost }, 'log lines were lost at shutdown: the store did not take them and the spill files were full');
    return lost;
  }

  /**
   * Loads the spill files a previous life of this replica left and starts writing them.
   * Returns how many lines they hold.
   */
  recover(tenantOf: (tenantId: string) => TenantStore): number {
    const dir = this.options.spillDir;
    if (!dir) return 0;
    let lines = 0;
    let paths: string[];
    try {
      paths = SpillFile.list(dir);
    } catch (error) {
      this.options.logger?.error({ err: error, dir }, 'the log spill directory could not be read; lines spilled by a previous run stay there');
      return 0;
    }
    for (const path of paths) {
      let loaded: ReturnType<typeof SpillFile.load>;
      try {
        loaded = SpillFile.load(path, this.budget);
      } catch (error) {
        this.options.logger?.error({ err: error, path }, 'a log spill file could not be read; it is left as it is');
        continue;
      }
      if (!loaded || this.projects.has(loaded.projectId)) continue;
      const log = this.newLog(tenantOf(loaded.file.tenantId), loaded.projectId, loaded.lastSeq, loaded.file);
      log.closed = true;
      log.ring = undefined;
      this.projects.set(loaded.projectId, log);
      lines += loaded.file.lines;
      log.kick();
    }
    if (lines > 0) this.options.logger?.info({ lines, dir }, 'writing log lines spilled by a previous run of this replica to the store');
    return lines;
  }

  /** Lines pending on this replica (one project's, or all). */
  backlog(projectId?: string): LogBacklog {
    const logs = projectId === undefined ? [...this.projects.values()] : [this.projects.get(projectId)].filter((l): l is ProjectLog => l !== undefined);
    return {
      memory: projectId === undefined ? this.memory.lines : (logs[0]?.memoryLines ?? 0),
      spilled: logs.reduce((sum, l) => sum + l.spilledLines, 0),
      spilledBytes: logs.reduce((sum, l) => sum + l.spilledBytes, 0),
    };
  }

  private newLog(tenant: TenantStore, projectId: string, seq: number, spill?: SpillFile): ProjectLog {
    const spillPath = this.options.spillDir === undefined ? undefined : spillPathFor(this.options.spillDir, projectId);
    return new ProjectLog(tenant, projectId, seq, { settings: this.settings, memory: this.memory, spillBudget: this.budget, spillPath, report: this.report }, spill);
  }

  /** Over the replica's memory cap: the oldest lines in memory (of any project) go first. */
  private relieveOldest(): void {
    const stuck = new Set<ProjectLog>();
    while (this.memory.lines > this.settings.maxPendingLines) {
      let victim: ProjectLog | undefined;
      for (const log of this.projects.values()) {
        const oldest = log.oldestInMemory;
        if (!oldest || stuck.has(log)) continue;
        if (!victim || oldest.ts < victim.oldestInMemory!.ts) victim = log;
      }
      if (!victim) return; // only lines of writes in flight are left, and the spill files are full
      const n = Math.min(victim.memoryLines, Math.max(this.memory.lines - this.settings.maxPendingLines, this.settings.batchSize));
      if (victim.relieve(n, true) === 0) stuck.add(victim);
    }
  }

  private reporter(): ProjectLogReport {
    const logger = this.options.logger;
    const metrics = this.options.metrics;
    const facts = (log: ProjectLog) => ({ projectId: log.projectId, tenant: log.tenant.tenantId, pendingInMemory: log.memoryLines, spilled: log.spilledLines });
    return {
      storeFailed: (log, error) => logger?.warn({ err: error, ...facts(log) }, 'log batch could not be stored; it stays pending and is retried with backoff'),
      storeRecovered: (log, downMs) => logger?.info({ downMs, ...facts(log) }, 'log lines are stored again; pending ones are written in order'),
      spilled: (log, lines, first) => {
        metrics?.logLinesSpilled.inc(lines);
        if (first) logger?.warn({ lines, ...facts(log) }, 'pending log lines are over the memory cap; the oldest go to the spill file');
      },
      spillFailed: (log, error) => logger?.error({ err: error, ...facts(log) }, 'the log spill file could not be written; lines past the memory cap are dropped'),
      dropped: (log, lines, reason: DropReason, error?: unknown) => {
        metrics?.logLinesDropped.inc({ reason }, lines);
        const key = `${log.projectId}:${reason}`;
        const now = Date.now();
        if (now - (this.dropLogged.get(key) ?? -Infinity) < DROP_LOG_INTERVAL_MS) return;
        this.dropLogged.set(key, now);
        logger?.warn({ err: error, lines, reason, ...facts(log) }, 'log lines were dropped');
      },
      idle: (log) => {
        if (this.projects.get(log.projectId) !== log) return;
        this.projects.delete(log.projectId);
        for (const reason of ['full', 'rejected', 'gone', 'shutdown'] satisfies DropReason[]) this.dropLogged.delete(`${log.projectId}:${reason}`);
      },
    };
  }
}
