/**
 * Outbox retention: on the leader, delivered events older than `retentionMs` are deleted,
 * oldest first, in bounded batches (each its own short transaction), at once when the
 * replica becomes leader and then every `intervalMs`. Undelivered events are never deleted:
 * the relay still owes them to the topic. The deletes are fenced on the leader's epoch
 * (store/leader-epoch.ts) like the relay's marks: a deposed leader's prune is refused and
 * its pruner stops.
 */
import type { Logger } from 'pino';
import { LeadershipLost } from '../store/leader-epoch.js';
import type { Store } from '../store/store.js';

/**
 * One day. Without Kafka (events go to the replica's log) the outbox is the only queryable
 * copy of what happened, and a day covers looking into today's incident; with Kafka the
 * topics keep the events 3 to 365 days, so a day in the outbox costs little. It bounds the
 * table to one day of events: ~150,000 usage samples for 100 tenants, plus lifecycle events.
 */
export const DEFAULT_OUTBOX_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface OutboxPrunerOptions {
  readonly store: Pick<Store, 'pruneDeliveredEvents'>;
  readonly logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  /** Delivered events older than this are deleted. @default DEFAULT_OUTBOX_RETENTION_MS (1 day) */
  readonly retentionMs?: number;
  /** Time between passes. @default 60000 */
  readonly intervalMs?: number;
  /** Rows per DELETE (one transaction each). @default 1000 */
  readonly batchSize?: number;
  /** Batches per pass, so that a pass after a long time without pruning stays short; the rest waits for the next. @default 50 */
  readonly maxBatchesPerPass?: number;
  /** The leader's fencing token, passed with every delete. @default - unfenced */
  readonly leaderEpoch?: () => number | undefined;
}

export class OutboxPruner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private readonly retentionMs: number;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxBatches: number;

  constructor(private readonly options: OutboxPrunerOptions) {
    this.retentionMs = options.retentionMs ?? DEFAULT_OUTBOX_RETENTION_MS;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.batchSize = options.batchSize ?? 1000;
    this.maxBatches = options.maxBatchesPerPass ?? 50;
  }

  /** Prunes now, then every interval, until `stop()`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.pass(), this.intervalMs);
    this.timer.unref();
    void this.pass();
  }

  /** Stops the passes; resolves once a pass in progress has finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass (unless one is running): batches until one deletes fewer than `batchSize` rows, or `maxBatchesPerPass`. Returns the rows deleted. */
  prune(): Promise<number> {
    this.running ??= this.batches().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    try {
      await this.prune();
    } catch (error) {
      if (error instanceof LeadershipLost) {
        this.options.logger?.warn({ epoch: error.epoch }, 'outbox pruning stops: another replica leads now and prunes');
        await this.stop();
        return;
      }
      this.options.logger?.warn({ err: error }, 'outbox pruning failed; trying again next interval');
    }
  }

  private async batches(): Promise<number> {
    const epoch = this.options.leaderEpoch?.();
    let deleted = 0;
    for (let i = 0; i < this.maxBatches; i += 1) {
      const n = await this.options.store.pruneDeliveredEvents(this.retentionMs, this.batchSize, epoch);
      deleted += n;
      if (n < this.batchSize) break;
    }
    if (deleted > 0) this.options.logger?.debug({ deleted, retentionMs: this.retentionMs }, 'pruned delivered outbox events');
    return deleted;
  }
}
