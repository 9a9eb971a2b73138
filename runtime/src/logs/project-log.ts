/**
 * One project's log on this replica: its ring buffer (tail) and its pending lines, written
 * to the store in seq order by one writer at a time. Pending lines form one queue, oldest
 * first: a spill file on disk (the oldest), then memory; a line moves from the front of
 * memory to the end of the spill file, so the order never changes. A write takes the
 * oldest batch and the lines leave the queue only once the store took them; a failed write
 * is retried with exponential backoff, and lines appended meanwhile queue behind it.
 *
 * Past the memory cap the oldest lines in memory are spilled; only when the spill file is
 * full too are they dropped (never those of the write in flight), and each run of dropped
 * lines becomes one `system` line in their place (drop-gaps.ts).
 */
import type { LogLevel, LogLine, LogStream } from '../domain/types.js';
import type { TenantStore } from '../store/store.js';
import { DropGaps, type GapReason } from './drop-gaps.js';
import { classifyLevel } from './level.js';
import type { ResolvedLogSettings } from './log-settings.js';
import { RingBuffer } from './ring-buffer.js';
import { SpillFile, type SpillBudget } from './spill-file.js';
import { classifyWriteFailure } from './write-failure.js';

/** Why lines were dropped, as the dropped-lines counter labels them. */
export type DropReason = GapReason | 'gone' | 'shutdown';

/** What a project's log tells the pipeline (which logs it and counts it). */
export interface ProjectLogReport {
  /** The first failed write of an outage; the writer keeps retrying. */
  storeFailed(log: ProjectLog, error: unknown): void;
  storeRecovered(log: ProjectLog, downMs: number): void;
  /** `first`: the spill file was empty before. */
  spilled(log: ProjectLog, lines: number, first: boolean): void;
  /** The spill file could not be written (disk full, read-only): treated as full. */
  spillFailed(log: ProjectLog, error: unknown): void;
  dropped(log: ProjectLog, lines: number, reason: DropReason, error?: unknown): void;
  /** Closed and nothing pending: the pipeline may forget it. */
  idle(log: ProjectLog): void;
}

export interface ProjectLogDeps {
  readonly settings: ResolvedLogSettings;
  /** Lines held in memory by all projects' logs, kept up to date by each. */
  readonly memory: { lines: number };
  readonly spillBudget: SpillBudget;
  /** This project's spill file; none: lines past the memory cap are dropped. */
  readonly spillPath?: string;
  readonly report: ProjectLogReport;
}

interface Waiter {
  readonly seq: number;
  readonly resolve: (stored: boolean) => void;
}

export class ProjectLog {
  ring?: RingBuffer<LogLine>;
  /** Closed logs take no lines; they write what is pending, then the pipeline forgets them. */
  closed = false;
  private queue: LogLine[] = [];
  private readonly gaps: DropGaps;
  /** Lines up to this seq are due now (the batch timer fired, or a flush asked for them). */
  private dueThrough = 0;
  /** The last seq of the write in flight (0: none); its lines are never dropped. */
  private inFlightThrough = 0;
  private attempt = 0;
  private failingSince = 0;
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  private waiters: Waiter[] = [];
  private stopped = false;
  /** Increased on every close and reopen, so that a close that waited knows it is still current. */
  private generation = 0;

  constructor(
    public tenant: TenantStore,
    readonly projectId: string,
    /** The seq of the last line appended (or loaded). */
    public seq: number,
    private readonly deps: ProjectLogDeps,
    private spill?: SpillFile,
  ) {
    this.gaps = new DropGaps(projectId);
    this.ring = new RingBuffer(deps.settings.ringSize);
  }

  get memoryLines(): number {
    return this.queue.length;
  }

  get spilledLines(): number {
    return this.spill?.lines ?? 0;
  }

  get spilledBytes(): number {
    return this.spill?.bytes ?? 0;
  }

  /** The oldest line in memory (the pipeline's global cap spills the oldest first). */
  get oldestInMemory(): LogLine | undefined {
    return this.queue[0];
  }

  /** Lines (and lines for dropped ones) not yet in the store. */
  get pending(): number {
    return this.queue.length + this.spilledLines + this.gaps.size;
  }

  append(runId: string, stream: LogStream, message: string, level?: LogLevel): LogLine {
    this.seq += 1;
    const line: LogLine = { projectId: this.projectId, runId, seq: this.seq, ts: new Date(), stream, level: level ?? classifyLevel(stream, message), message };
    this.ring?.push(line);
    this.queue.push(line);
    this.deps.memory.lines += 1;
    const { maxPendingLinesPerProject: cap, batchSize } = this.deps.settings;
    if (this.queue.length > cap) this.relieve(Math.max(this.queue.length - cap, Math.min(batchSize, this.queue.length)), true);
    this.schedule();
    return line;
  }

  /**
   * Moves the `n` oldest lines in memory to the spill file; those that do not fit are
   * dropped when `drop` (else they stay). Returns how many left memory.
   */
  relieve(n: number, drop: boolean): number {
    const take = this.queue.slice(0, n);
    const spilled = this.spillLines(take);
    if (spilled > 0) {
      this.queue.splice(0, spilled);
      this.deps.memory.lines -= spilled;
    }
    const rest = take.length - spilled;
    if (rest === 0 || !drop) return spilled;
    // The lines of the write in flight stay: the store may take them yet.
    let start = 0;
    while (start < this.queue.length && this.queue[start]!.seq <= this.inFlightThrough) start += 1;
    const dropped = this.queue.splice(start, rest);
    this.deps.memory.lines -= dropped.length;
    if (dropped.length > 0) {
      this.gaps.record(dropped, 'full');
      this.deps.report.dropped(this, dropped.length, 'full');
    }
    return spilled + dropped.length;
  }

  /** Resolves true once every line appended so far is in the store, or false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    const target = this.seq;
    if (this.storedThrough(target)) return true;
    if (this.stopped) return false;
    this.dueThrough = Math.max(this.dueThrough, target);
    let timer: NodeJS.Timeout | undefined;
    const stored = await new Promise<boolean>((resolve) => {
      const waiter: Waiter = { seq: target, resolve };
      this.waiters.push(waiter);
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.kick();
    });
    clearTimeout(timer);
    return stored;
  }

  /**
   * Takes no more lines and writes what is pending; what is still in memory after
   * `timeoutMs` goes to the spill file (what does not fit stays in memory, retried).
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.ring = undefined;
    const generation = ++this.generation;
    const stored = await this.flush(timeoutMs);
    if (this.stopped || !this.closed || generation !== this.generation) return;
    if (!stored && this.queue.length > 0) this.relieve(this.queue.length, false);
    this.idleIfDone();
  }

  /** A new run of the same project: the log goes on after what it holds (seq included). */
  reopen(tenant: TenantStore, storedSeq: number): void {
    this.tenant = tenant;
    this.closed = false;
    this.generation += 1;
    this.ring = new RingBuffer(this.deps.settings.ringSize);
    this.seq = Math.max(this.seq, storedSeq);
  }

  /** Forgets every pending line (the store's were cleared). */
  clear(): void {
    this.deps.memory.lines -= this.queue.length;
    this.queue = [];
    this.spill?.clear();
    this.gaps.clear();
    this.ring?.clear();
    this.resolveWaiters();
    this.idleIfDone();
  }

  /** Stops writing; what is still pending goes to the spill file for the next start. Returns the lines lost (spill full). */
  shutdown(): number {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    for (const w of this.waiters.splice(0)) w.resolve(false);
    const rest = [...this.queue, ...this.gaps.lines()].sort((a, b) => a.seq - b.seq);
    this.deps.memory.lines -= this.queue.length;
    this.queue = [];
    this.gaps.clear();
    const spilled = this.spillLines(rest);
    this.spill?.close();
    const lost = rest.length - spilled;
    if (lost > 0) this.deps.report.dropped(this, lost, 'shutdown');
    return lost;
  }

  /** Writes what is due now (a log loaded from a spill file at start, or a recovered one). */
  kick(): void {
    if (this.writing || this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.drain().then((progressed) => {
      this.writing = undefined;
      this.afterDrain(progressed);
    });
  }

  private schedule(): void {
    if (this.writing || this.stopped) return;
    if (this.due()) this.kick();
    else this.arm();
  }

  private arm(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueThrough = Math.max(this.dueThrough, this.seq);
      this.kick();
    }, this.deps.settings.flushIntervalMs);
  }

  private afterDrain(progressed: boolean): void {
    if (this.stopped) return;
    if (progressed && this.due()) this.kick();
    else {
      this.arm();
      this.idleIfDone();
    }
  }

  private idleIfDone(): void {
    if (this.closed && !this.writing && this.pending === 0) this.deps.report.idle(this);
  }

  /** Whether a write should start now rather than wait for the batch timer. */
  private due(): boolean {
    const low = this.lowestPending();
    if (low === undefined) return false;
    if (this.closed || this.attempt > 0 || this.spilledLines > 0 || this.gaps.size > 0) return true;
    return this.queue.length >= this.deps.settings.batchSize || low <= this.dueThrough;
  }

  private lowestPending(): number | undefined {
    const candidates = [this.spill?.headSeq, this.gaps.firstSeq, this.queue[0]?.seq].filter((s): s is number => s !== undefined);
    return candidates.length > 0 ? Math.min(...candidates) : undefined;
  }

  private storedThrough(seq: number): boolean {
    const low = this.lowestPending();
    return low === undefined || low > seq;
  }

  private nextBatch(): LogLine[] {
    const max = this.deps.settings.batchSize;
    const oldest = this.spilledLines > 0 ? this.spill!.head(max) : this.queue.slice(0, max);
    return this.gaps.merge(oldest, max);
  }

  /** Writes while something is due; false when it found nothing to write although something was due. */
  private async drain(): Promise<boolean> {
    while (!this.stopped && this.due()) {
      const batch = this.nextBatch();
      if (batch.length === 0) return false;
      const through = batch.reduce((max, line) => Math.max(max, line.seq), 0);
      this.inFlightThrough = through;
      let failure: unknown;
      let failed = false;
      try {
        await this.tenant.appendLogs(batch);
      } catch (error) {
        failed = true;
        failure = error;
      }
      this.inFlightThrough = 0;
      if (this.stopped) return true;
      if (!failed) {
        this.stored(through);
        if (this.attempt > 0) this.deps.report.storeRecovered(this, Date.now() - this.failingSince);
        this.attempt = 0;
        continue;
      }
      const kind = classifyWriteFailure(failure);
      if (kind === 'gone') {
        this.discard(failure);
        return true;
      }
      if (kind === 'rejected') {
        this.stored(through);
        const refused = batch.filter((line) => line.stream !== 'system' || !/^\d+ log lines? (was|were) dropped/.test(line.message));
        if (refused.length > 0) {
          this.gaps.record(refused, 'rejected');
          this.deps.report.dropped(this, refused.length, 'rejected', failure);
        }
        continue;
      }
      this.attempt += 1;
      if (this.attempt === 1) {
        this.failingSince = Date.now();
        this.deps.report.storeFailed(this, failure);
      }
      await this.sleep(this.backoffMs());
    }
    return true;
  }

  /** The store took every pending line up to `seq`: they leave the queue, wherever they are now. */
  private stored(seq: number): void {
    this.spill?.dropThrough(seq);
    let k = 0;
    while (k < this.queue.length && this.queue[k]!.seq <= seq) k += 1;
    if (k > 0) {
      this.queue.splice(0, k);
      this.deps.memory.lines -= k;
    }
    this.gaps.dropThrough(seq);
    this.resolveWaiters();
  }

  /** The project (or its tenant) is gone: its lines have nowhere to go. */
  private discard(error: unknown): void {
    const lost = this.queue.length + this.spilledLines;
    this.deps.memory.lines -= this.queue.length;
    this.queue = [];
    this.spill?.clear();
    this.gaps.clear();
    this.attempt = 0;
    if (lost > 0) this.deps.report.dropped(this, lost, 'gone', error);
    this.resolveWaiters();
  }

  private resolveWaiters(): void {
    const done = this.waiters.filter((w) => this.storedThrough(w.seq));
    if (done.length === 0) return;
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    for (const w of done) w.resolve(true);
  }

  private spillLines(lines: readonly LogLine[]): number {
    const path = this.deps.spillPath;
    if (lines.length === 0 || path === undefined || this.deps.settings.spillBytesPerProject === 0) return 0;
    this.spill ??= new SpillFile(path, this.tenant.tenantId, this.deps.spillBudget);
    const first = this.spill.lines === 0;
    try {
      const n = this.spill.append(lines);
      if (n > 0) this.deps.report.spilled(this, n, first);
      return n;
    } catch (error) {
      this.deps.report.spillFailed(this, error);
      return 0;
    }
  }

  private backoffMs(): number {
    const { retryInitialMs, retryMaxMs } = this.deps.settings;
    const base = Math.min(retryMaxMs, retryInitialMs * 2 ** (this.attempt - 1));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }
}
