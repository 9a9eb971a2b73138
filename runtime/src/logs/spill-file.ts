/**
 * A project's spill file: the oldest of its pending log lines, kept on local disk while the
 * store does not take them, as JSON lines (one line and its tenant per line), read back
 * oldest first. The part already written to the store is skipped by an offset and cut away
 * when the file is rewritten (when an append needs the room) or removed (once empty).
 *
 * The calls are synchronous: a spill moves at most a few batches (tens of KB) at once, into
 * the page cache, and the memory caps hold exactly because nothing waits in between. A file
 * left by a previous life of the replica is loaded again at start (`load`) and written then;
 * lines already in the store are not stored twice (their (project, seq) key exists).
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogLevel, LogLine, LogStream } from '../domain/types.js';

/** Bytes of all spill files of a replica, shared by its files. */
export class SpillBudget {
  used = 0;
  constructor(
    readonly perFileBytes: number,
    readonly totalBytes: number,
  ) {}
}

interface SpillRecord {
  readonly tenantId: string;
  readonly projectId: string;
  readonly runId: string;
  readonly seq: number;
  readonly ts: string;
  readonly stream: LogStream;
  readonly level: LogLevel;
  readonly message: string;
}

/**
 * Where a replica's spill files go: one directory per replica, as replicas on one machine
 * may share a data dir. A replica finds its previous life's files under the same name, so
 * the name must outlive a restart: POD_NAME in a Pod (the emptyDir outlives a container
 * restart), or DEBUG_HOST_REPLICA_ID; the default `<hostname>-<pid>` does not.
 */
export function spillDirFor(dataDir: string, replicaId: string): string {
  return join(dataDir, 'log-spill', replicaId.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/** The spill file of one project. */
export function spillPathFor(dir: string, projectId: string): string {
  return join(dir, `${encodeURIComponent(projectId)}.jsonl`);
}

const READ_CHUNK = 64 * 1024;

export class SpillFile {
  private fd?: number;
  /** Bytes before this offset are in the store. */
  private readPos = 0;
  private size = 0;
  private count = 0;
  private headSeqCache?: number;

  constructor(
    readonly path: string,
    readonly tenantId: string,
    private readonly budget: SpillBudget,
  ) {}

  /** Lines not yet in the store. */
  get lines(): number {
    return this.count;
  }

  /** Bytes on disk. */
  get bytes(): number {
    return this.size;
  }

  /** Seq of the oldest line not yet in the store. */
  get headSeq(): number | undefined {
    if (this.count === 0) return undefined;
    this.headSeqCache ??= this.scan(1)[0]?.seq;
    return this.headSeqCache;
  }

  /**
   * Appends the oldest of `lines` that fit the budget, in order; returns how many. Throws
   * when the disk refuses the write (nothing is appended then).
   */
  append(lines: readonly LogLine[]): number {
    if (lines.length === 0) return 0;
    const records = lines.map((line) => Buffer.from(`${JSON.stringify(toRecord(this.tenantId, line))}\n`));
    const total = records.reduce((sum, r) => sum + r.length, 0);
    if (this.readPos > 0 && !this.fits(total)) this.compact();
    let n = 0;
    let bytes = 0;
    while (n < records.length && this.fits(bytes + records[n]!.length)) bytes += records[n++]!.length;
    if (n === 0) return 0;
    const fd = this.open();
    const data = n === records.length ? Buffer.concat(records, bytes) : Buffer.concat(records.slice(0, n), bytes);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    } catch (error) {
      // A record cut short would corrupt every later one.
      ftruncateSync(fd, this.size);
      throw error;
    }
    this.size += bytes;
    this.budget.used += bytes;
    if (this.count === 0) this.headSeqCache = lines[0]!.seq;
    this.count += n;
    return n;
  }

  /** The oldest lines not yet in the store, up to `max`. */
  head(max: number): LogLine[] {
    for (;;) {
      const records = this.scan(max);
      if (records.length === 0) {
        // The file holds less than counted (cut short from outside): nothing more to read.
        if (this.count > 0) this.forget(this.count);
        return [];
      }
      // Unreadable records (a torn write) at the front are skipped for good.
      let skipped = 0;
      while (skipped < records.length && !records[skipped]!.line) this.readPos = records[skipped++]!.end;
      if (skipped === 0) return records.flatMap((r) => (r.line ? [r.line] : []));
      this.forget(skipped);
      if (this.count === 0) return [];
    }
  }

  /** Forgets the lines up to `seq` (they are in the store now); removes the file once it holds none. */
  dropThrough(seq: number): void {
    while (this.count > 0) {
      const records = this.scan(256);
      let advanced = 0;
      for (const record of records) {
        if (record.seq > seq) break;
        this.readPos = record.end;
        advanced += 1;
      }
      this.forget(records.length === 0 ? this.count : advanced);
      if (advanced === 0 || advanced < records.length) break;
    }
  }

  /** Removes the file and what it holds. */
  clear(): void {
    this.close();
    rmSync(this.path, { force: true });
    this.budget.used -= this.size;
    this.size = 0;
    this.readPos = 0;
    this.count = 0;
    this.headSeqCache = undefined;
  }

  /** Closes the file, keeping it on disk (shutdown). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** A spill file a previous life of this replica left, or undefined when it holds nothing readable. */
  static load(path: string, budget: SpillBudget): { file: SpillFile; projectId: string; lastSeq: number } | undefined {
    const probe = new SpillFile(path, '', new SpillBudget(Infinity, Infinity));
    const fd = probe.open();
    probe.size = fstatSync(fd).size;
    const records = probe.scan(Infinity);
    const end = records.at(-1)?.end ?? 0;
    // A record torn by a crash would swallow the next one appended after it.
    if (end < probe.size) ftruncateSync(fd, end);
    probe.close();
    const first = records.find((r) => r.line);
    if (!first?.line) {
      rmSync(path, { force: true });
      return undefined;
    }
    const file = new SpillFile(path, first.tenantId, budget);
    const lines = records.flatMap((r) => (r.line ? [r.line] : []));
    if (lines.some((line, i) => i > 0 && line.seq < lines[i - 1]!.seq)) {
      // Shutdown appends the lines for dropped ones after the spilled lines: put them in place.
      rmSync(path, { force: true });
      file.append(lines.sort((a, b) => a.seq - b.seq));
      file.close();
    } else {
      file.size = end;
      file.count = records.length;
      budget.used += end;
    }
    return { file, projectId: first.line.projectId, lastSeq: lines.reduce((max, line) => Math.max(max, line.seq), 0) };
  }

  /** The spill files in `dir` (none when it does not exist). */
  static list(dir: string): string[] {
    try {
      return readdirSync(dir).filter((name) => name.endsWith('.jsonl')).map((name) => join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  /** `n` records before the read offset are done with; an empty file is removed. */
  private forget(n: number): void {
    this.count -= n;
    this.headSeqCache = undefined;
    if (this.count <= 0) this.clear();
  }

  private fits(extra: number): boolean {
    return this.size + extra <= this.budget.perFileBytes && this.budget.used + extra <= this.budget.totalBytes;
  }

  private open(): number {
    if (this.fd === undefined) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a+', 0o600);
    }
    return this.fd;
  }

  /** Rewrites the file without the part already in the store. */
  private compact(): void {
    const fd = this.open();
    const tmp = `${this.path}.tmp`;
    const out = openSync(tmp, 'w', 0o600);
    try {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      for (let pos = this.readPos; pos < this.size; ) {
        const got = readSync(fd, buffer, 0, Math.min(READ_CHUNK, this.size - pos), pos);
        if (got <= 0) break;
        let written = 0;
        while (written < got) written += writeSync(out, buffer, written, got - written);
        pos += got;
      }
    } finally {
      closeSync(out);
    }
    this.close();
    renameSync(tmp, this.path);
    this.budget.used -= this.readPos;
    this.size -= this.readPos;
    this.readPos = 0;
  }

  /** Up to `max` records from the read offset: each with its seq, its end offset, and the line (unless unreadable). */
  private scan(max: number): Array<{ seq: number; end: number; tenantId: string; line?: LogLine }> {
    const out: Array<{ seq: number; end: number; tenantId: string; line?: LogLine }> = [];
    if (this.size <= this.readPos) return out;
    const fd = this.open();
    let pos = this.readPos;
    let chunk = READ_CHUNK;
    let carry: Buffer = Buffer.alloc(0);
    while (out.length < max && pos < this.size) {
      const want = Math.min(chunk, this.size - pos);
      const buffer = Buffer.allocUnsafe(want);
      const got = readSync(fd, buffer, 0, want, pos);
      if (got <= 0) break;
      pos += got;
      const data = carry.length > 0 ? Buffer.concat([carry, buffer.subarray(0, got)]) : buffer.subarray(0, got);
      const base = pos - data.length;
      let start = 0;
      while (out.length < max) {
        const newline = data.indexOf(10, start);
        if (newline < 0) break;
        out.push({ ...parseRecord(data.toString('utf8', start, newline)), end: base + newline + 1 });
        start = newline + 1;
      }
      carry = data.subarray(start);
      // One line longer than a chunk: read more of it at once.
      if (carry.length >= chunk) chunk *= 2;
    }
    return out;
  }
}

function toRecord(tenantId: string, line: LogLine): SpillRecord {
  return { tenantId, projectId: line.projectId, runId: line.runId, seq: line.seq, ts: line.ts.toISOString(), stream: line.stream, level: line.level, message: line.message };
}

/** An unreadable record (a torn write of a crashed process) keeps its place with seq -Infinity and no line, so it is skipped. */
function parseRecord(text: string): { seq: number; tenantId: string; line?: LogLine } {
  try {
    const r = JSON.parse(text) as SpillRecord;
    if (typeof r.seq !== 'number' || typeof r.projectId !== 'string' || typeof r.message !== 'string') throw new Error('not a log line');
    return { seq: r.seq, tenantId: r.tenantId, line: { projectId: r.projectId, runId: r.runId, seq: r.seq, ts: new Date(r.ts), stream: r.stream, level: r.level, message: r.message } };
  } catch {
    return { seq: -Infinity, tenantId: '' };
  }
}
