/**
 * Fencing of run writes. Every change of a run's ownership (a claim, a takeover, a resume
 * after a restart, a release) increases the project's `epoch`; a replica acting on a run
 * holds the run id, its own id and the epoch it took the run with, and every write it makes
 * about that run is conditioned on all three in the same statement. A replica that lost the
 * run (paused past its membership, partitioned, or simply slow) therefore cannot end or
 * overwrite the new owner's run: its write matches no row and it is told so.
 */
import { DebugHostError } from '../domain/errors.js';

export interface RunFence {
  readonly runId: string;
  /** The replica acting on the run. @default - any owner (a user's stop of a run whose owner is gone) */
  readonly owner?: string;
  readonly epoch: number;
}

/** The condition on a projects row, with its parameters numbered from `next`. */
export function fenceCondition(fence: RunFence | undefined, next: number): { readonly sql: string; readonly params: unknown[] } {
  if (!fence) return { sql: '', params: [] };
  const params: unknown[] = [fence.runId, fence.epoch];
  let sql = ` AND run_id = $${next} AND epoch = $${next + 1}`;
  if (fence.owner !== undefined) {
    params.push(fence.owner);
    sql += ` AND owner = $${next + 2}`;
  }
  return { sql, params };
}

/** The write lost: the run was taken over, stopped or started again since the writer took it. */
export class FencedOut extends DebugHostError {
  constructor(
    readonly projectId: string,
    readonly fence: RunFence,
  ) {
    super('unavailable', `Project '${projectId}' changed hands while this call ran (run ${fence.runId}, epoch ${fence.epoch} is no longer current); nothing was changed by it.`, {
      fix: 'Call again: it runs where the project is now.',
      facts: { retryAfterMs: 500 },
    });
    this.name = 'FencedOut';
  }
}

export const isFencedOut = (error: unknown): error is FencedOut => error instanceof FencedOut;
