/**
 * Every line a project prints goes into its ring buffer (fast tail) and a pending batch
 * that is written to the tenant's schema every `flushIntervalMs` or `batchSize` lines,
 * whichever comes first. `flush(projectId)` writes what is pending before a caller reads
 * from the store or records an exit, so that no line of an exited process is lost.
 */
import type { LogLevel, LogLine, LogStream } from '../domain/types.js';
import type { TenantStore } from '../store/store.js';
import { classifyLevel } from './level.js';
import { RingBuffer } from './ring-buffer.js';

export interface LogPipelineSettings {
  /** Lines kept in memory per project for tail. @default 1000 */
  readonly ringSize?: number;
  /** Lines written per store call. @default 500 */
  readonly batchSize?: number;
  /** Longest a line waits before it is written. @default 250 */
  readonly flushIntervalMs?: number;
}

interface ProjectLog {
  readonly tenant: TenantStore;
  readonly ring: RingBuffer<LogLine>;
  pending: LogLine[];
  seq: number;
  writing: Promise<void>;
  timer?: NodeJS.Timeout;
}

export type LineObserver = (line: LogLine) => void;

export class LogPipeline {
  private readonly projects = new Map<string, ProjectLog>();
  private readonly ringSize: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;

  constructor(
    settings: LogPipelineSettings = {},
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly observer: LineObserver = () => undefined,
  ) {
    this.ringSize = settings.ringSize ?? 1000;
    this.batchSize = settings.batchSize ?? 500;
    this.flushIntervalMs = settings.flushIntervalMs ?? 250;
  }

  /** Opens (or reuses) a project's log, continuing its seq from what the store holds. */
  async open(tenant: TenantStore, projectId: string): Promise<void> {
    if (this.projects.has(projectId)) return;
    const seq = await tenant.maxLogSeq(projectId);
    if (this.projects.has(projectId)) return;
    this.projects.set(projectId, { tenant, ring: new RingBuffer(this.ringSize), pending: [], seq, writing: Promise.resolve() });
  }

  append(projectId: string, runId: string, stream: LogStream, message: string, level?: LogLevel): LogLine | undefined {
    const log = this.projects.get(projectId);
    if (!log) return undefined;
    log.seq += 1;
    const line: LogLine = {
      projectId,
      runId,
      seq: log.seq,
      ts: new Date(),
      stream,
      level: level ?? classifyLevel(stream, message),
      message,
    };
    log.ring.push(line);
    log.pending.push(line);
    this.observer(line);
    if (log.pending.length >= this.batchSize) void this.flushLog(log);
    else log.timer ??= setTimeout(() => void this.flushLog(log), this.flushIntervalMs);
    return line;
  }

  /** The newest lines from memory, oldest first. */
  tail(projectId: string, limit: number): LogLine[] {
    return this.projects.get(projectId)?.ring.tail(limit) ?? [];
  }

  /** Writes pending lines; resolves when everything appended so far is in the store. */
  async flush(projectId: string): Promise<void> {
    const log = this.projects.get(projectId);
    if (log) await this.flushLog(log);
  }

  private async flushLog(log: ProjectLog): Promise<void> {
    if (log.timer) clearTimeout(log.timer);
    log.timer = undefined;
    const batch = log.pending;
    log.pending = [];
    // Batches are written in order: each waits for the previous one.
    log.writing = log.writing.then(async () => {
      for (let i = 0; i < batch.length; i += this.batchSize) {
        try {
          await log.tenant.appendLogs(batch.slice(i, i + this.batchSize));
        } catch (error) {
          this.onError(error);
        }
      }
    });
    await log.writing;
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.projects.keys()].map((id) => this.flush(id)));
  }

  /** Forgets in-memory lines after the store's were cleared. */
  clear(projectId: string): void {
    const log = this.projects.get(projectId);
    if (!log) return;
    log.ring.clear();
    log.pending = [];
  }

  /** Flushes and drops a project's in-memory log (stopped, reaped, deleted). */
  async close(projectId: string): Promise<void> {
    const log = this.projects.get(projectId);
    if (!log) return;
    // Forget first, so that a new run opening the same project starts a fresh log at once.
    this.projects.delete(projectId);
    await this.flushLog(log);
  }
}
