/**
 * Lines a project's log had to drop, as gaps in its seq numbers. Each gap is written to the
 * store as one `system` line in the place of its first dropped line (its seq), saying how
 * many lines are missing and why, so that a reader sees the hole where it is; the
 * `debug_host_log_lines_dropped_total` counter counts them too.
 */
import type { LogLine } from '../domain/types.js';

/** Why lines were dropped: memory and spill full, or refused by the store as they are (a data error). */
export type GapReason = 'full' | 'rejected';

interface Gap {
  readonly firstSeq: number;
  lastSeq: number;
  count: number;
  readonly runId: string;
  readonly ts: Date;
  readonly reason: GapReason;
  /** Once its line was handed to a write, a gap takes no more lines (a new gap starts). */
  frozen: boolean;
}

export class DropGaps {
  private gaps: Gap[] = [];

  constructor(private readonly projectId: string) {}

  get size(): number {
    return this.gaps.length;
  }

  /** Seq of the first gap's line. */
  get firstSeq(): number | undefined {
    return this.gaps[0]?.firstSeq;
  }

  /** Records dropped lines (oldest first); a line right after the open gap's last one extends it. */
  record(dropped: readonly LogLine[], reason: GapReason): void {
    for (const line of dropped) {
      const last = this.gaps.at(-1);
      if (last && !last.frozen && last.reason === reason && last.lastSeq + 1 === line.seq) {
        last.lastSeq = line.seq;
        last.count += 1;
      } else {
        this.gaps.push({ firstSeq: line.seq, lastSeq: line.seq, count: 1, runId: line.runId, ts: line.ts, reason, frozen: false });
      }
    }
    this.gaps.sort((a, b) => a.firstSeq - b.firstSeq);
  }

  /**
   * `lines` (the oldest pending, in order) with the lines of the gaps that come before the
   * last of them merged in by seq (every gap when `lines` is empty), at most `max`.
   */
  merge(lines: readonly LogLine[], max: number): LogLine[] {
    const until = lines.length > 0 ? lines[lines.length - 1]!.seq : Infinity;
    const markers = this.gaps.filter((g) => g.firstSeq < until);
    if (markers.length === 0) return lines.slice(0, max);
    const merged = [...lines, ...markers.map((g) => this.line(g))].sort((a, b) => a.seq - b.seq).slice(0, max);
    const last = merged[merged.length - 1]!.seq;
    for (const g of markers) if (g.firstSeq <= last) g.frozen = true;
    return merged;
  }

  /** Forgets the gaps whose lines are in the store now. */
  dropThrough(seq: number): void {
    this.gaps = this.gaps.filter((g) => g.firstSeq > seq);
  }

  /** Every gap's line, for the spill file at shutdown. */
  lines(): LogLine[] {
    return this.gaps.map((g) => this.line(g));
  }

  clear(): void {
    this.gaps = [];
  }

  private line(g: Gap): LogLine {
    const range = g.count === 1 ? `seq ${g.firstSeq}` : `seq ${g.firstSeq}-${g.lastSeq}`;
    const plural = g.count === 1 ? 'line was' : 'lines were';
    const why =
      g.reason === 'full'
        ? "the log store was unavailable and this replica's pending lines filled its memory and spill file"
        : 'the log store refused them as they were';
    return { projectId: this.projectId, runId: g.runId, seq: g.firstSeq, ts: g.ts, stream: 'system', level: 'warn', message: `${g.count} log ${plural} dropped (${range}): ${why}` };
  }
}
