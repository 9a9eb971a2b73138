/**
 * Tunables of the log pipeline, with their defaults. The caps bound what a replica holds
 * while the store does not take its lines: memory first (per project and for all projects),
 * then a spill file per project on local disk, and only past both are lines dropped.
 */

export interface LogPipelineSettings {
  /** Lines kept in memory per project for tail. @default 1000 */
  readonly ringSize?: number;
  /** Lines written per store call. @default 500 */
  readonly batchSize?: number;
  /** Longest a line waits before it is written. @default 250 */
  readonly flushIntervalMs?: number;
  /**
   * Lines of one project waiting in memory to be stored; past it the oldest go to the spill
   * file. Ten batches: a dev server printing 100 lines/s rides out 50 s of outage in memory.
   * @default 5000
   */
  readonly maxPendingLinesPerProject?: number;
  /**
   * Lines of all projects waiting in memory; past it the oldest of the project whose oldest
   * line is oldest go to its spill file. About 20-50 MB of lines of 100-1,000 characters.
   * @default 50000
   */
  readonly maxPendingLines?: number;
  /**
   * Bytes of one project's spill file (JSON lines); 0 turns spilling off (lines past the
   * memory caps are dropped). @default 16777216 (16 MiB)
   */
  readonly spillBytesPerProject?: number;
  /**
   * Bytes of all spill files of this replica. Well under the 1 GiB emptyDir the DebugHost
   * construct mounts as the data dir, which evicts the Pod when exceeded. @default 268435456 (256 MiB)
   */
  readonly spillBytes?: number;
  /**
   * Longest `flush()` waits for the store to take a project's pending lines before it
   * reports what is still pending and returns (the lines stay pending and are retried): a
   * stop or a read must not wait for a store that is down. @default 3000
   */
  readonly flushTimeoutMs?: number;
  /** First wait after a failed write; doubles (with 20 % jitter) up to `retryMaxMs`. @default 200 */
  readonly retryInitialMs?: number;
  /** @default 5000 */
  readonly retryMaxMs?: number;
}

export type ResolvedLogSettings = Required<LogPipelineSettings>;

export const DEFAULT_LOG_PIPELINE: ResolvedLogSettings = {
  ringSize: 1000,
  batchSize: 500,
  flushIntervalMs: 250,
  maxPendingLinesPerProject: 5000,
  maxPendingLines: 50_000,
  spillBytesPerProject: 16 * 1024 * 1024,
  spillBytes: 256 * 1024 * 1024,
  flushTimeoutMs: 3000,
  retryInitialMs: 200,
  retryMaxMs: 5000,
};

/** The defaults under the given settings; a batch is never larger than a project's memory cap. */
export function resolveLogSettings(settings: LogPipelineSettings = {}): ResolvedLogSettings {
  const defined = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as LogPipelineSettings;
  const resolved: ResolvedLogSettings = { ...DEFAULT_LOG_PIPELINE, ...defined };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`log pipeline setting ${key} must be a number >= 0, got ${String(value)}`);
  }
  for (const key of ['ringSize', 'batchSize', 'maxPendingLinesPerProject', 'maxPendingLines'] as const) {
    if (resolved[key] < 1) throw new RangeError(`log pipeline setting ${key} must be at least 1, got ${resolved[key]}`);
  }
  return { ...resolved, batchSize: Math.min(resolved.batchSize, resolved.maxPendingLinesPerProject) };
}
