/**
 * The leader's fencing token: `platform.leader.epoch`, increased by each replica that becomes
 * leader (on the session that holds the advisory lock). The leader's writes (outbox marks,
 * usage samples) first read the epoch FOR SHARE: a new leader's increase waits for them to
 * commit, and once it has committed a deposed leader's write is refused, however long that
 * leader was paused or cut off before it noticed.
 */
import { DebugHostError } from '../domain/errors.js';
import type { Queryable } from './sql-client.js';

export class LeadershipLost extends DebugHostError {
  constructor(readonly epoch: number) {
    super('unavailable', `This replica is no longer the leader (epoch ${epoch} was superseded); its leader-only write was refused.`, {
      fix: 'Nothing to do: the current leader does this work.',
    });
    this.name = 'LeadershipLost';
  }
}

/** Increases the epoch for a new leader; returns it. */
export async function takeLeaderEpoch(db: Queryable, holder: string): Promise<number> {
  const { rows } = await db.query<{ epoch: string }>(
    'UPDATE platform.leader SET epoch = epoch + 1, holder = $1, since = now() WHERE id = 1 RETURNING epoch',
    [holder],
  );
  return Number(rows[0]?.epoch ?? 0);
}

/** Inside a transaction: throws LeadershipLost unless `epoch` is still current (undefined: not fenced). */
export async function checkLeaderEpoch(tx: Queryable, epoch: number | undefined): Promise<void> {
  if (epoch === undefined) return;
  const { rows } = await tx.query<{ epoch: string }>('SELECT epoch FROM platform.leader WHERE id = 1 FOR SHARE');
  if (Number(rows[0]?.epoch) !== epoch) throw new LeadershipLost(epoch);
}
