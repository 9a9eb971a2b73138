/**
 * Drains the transactional outbox into an EventPublisher: reads the oldest undelivered
 * events, publishes them, and marks them delivered only after the publisher resolved (for
 * Kafka: every in-sync replica acknowledged). While publishing fails the same events are
 * tried again with exponential backoff; nothing newer is sent before them, so order is kept
 * and nothing is lost however long the outage.
 *
 * Delivery is at least once: an event is sent again if the process dies, or the store fails,
 * between the broker's ack and `markDelivered`. Consumers deduplicate on the event id.
 * Run one relay per store (the leader's job): two relays would interleave batches. The marks
 * are fenced on the leader's epoch (store/leader-epoch.ts): a relay whose leader was deposed
 * (paused or cut off past its lock) has its mark refused and stops, rather than overlap.
 */
import type { Logger } from 'pino';
import type { OutboxEvent } from '../domain/types.js';
import { LeadershipLost } from '../store/leader-epoch.js';
import type { Store } from '../store/store.js';
import type { EventPublisher } from './event-publisher.js';

export interface OutboxRelayOptions {
  readonly store: Pick<Store, 'pendingEvents' | 'markDelivered'>;
  /** Closed by `stop()`. */
  readonly publisher: EventPublisher;
  readonly logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
  /** Events per publish. @default 200 */
  readonly batchSize?: number;
  /** How often an empty outbox is polled; `notify()` wakes the relay sooner. @default 250 */
  readonly idleMs?: number;
  /** First delay after a failure; doubles up to `maxBackoffMs`. @default 200 */
  readonly initialBackoffMs?: number;
  /** @default 10000 */
  readonly maxBackoffMs?: number;
  /** The leader's fencing token, passed with every mark. @default - unfenced */
  readonly leaderEpoch?: () => number | undefined;
}

export interface RelayStats {
  readonly delivered: number;
  readonly batches: number;
  readonly failures: number;
  /** Set while the last attempt failed. */
  readonly failingSince?: Date;
  readonly lastError?: string;
}

export class OutboxRelay {
  private readonly store: OutboxRelayOptions['store'];
  readonly publisher: EventPublisher;
  private readonly logger?: OutboxRelayOptions['logger'];
  private readonly batchSize: number;
  private readonly idleMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly leaderEpoch: () => number | undefined;

  private running?: Promise<void>;
  private stopping = false;
  private wake?: () => void;
  private pass = 0;
  private idleWaiters: { readonly afterPass: number; readonly resolve: () => void }[] = [];
  private stats: { delivered: number; batches: number; failures: number; failingSince?: Date; lastError?: string } = {
    delivered: 0,
    batches: 0,
    failures: 0,
  };

  constructor(options: OutboxRelayOptions) {
    this.store = options.store;
    this.publisher = options.publisher;
    this.logger = options.logger;
    this.batchSize = options.batchSize ?? 200;
    this.idleMs = options.idleMs ?? 250;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.leaderEpoch = options.leaderEpoch ?? (() => undefined);
  }

  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Finishes the batch in hand, stops, and closes the publisher. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.(); // also ends a backoff
    await this.running;
    this.running = undefined;
    for (const w of this.idleWaiters.splice(0)) w.resolve();
    await this.publisher.close();
  }

  /** Wakes an idle relay (call after a commit that wrote events); a backoff is not cut short. */
  notify(): void {
    if (!this.stats.failingSince) this.wake?.();
  }

  /** Resolves once a pass that began after this call found the outbox empty. */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push({ afterPass: this.pass, resolve });
      this.notify();
    });
  }

  get status(): RelayStats {
    return { ...this.stats };
  }

  private async loop(): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      const pass = ++this.pass;
      let delay: number;
      try {
        const events = await this.store.pendingEvents(this.batchSize);
        if (events.length === 0) {
          this.resolveIdle(pass);
          delay = this.idleMs;
        } else {
          const epoch = this.leaderEpoch();
          await this.publisher.publish(events);
          await this.store.markDelivered(events.map((e) => e.id), epoch);
          this.recovered(events);
          attempt = 0;
          // More may be waiting: go again at once; an empty pass is what makes the relay idle.
          delay = 0;
        }
      } catch (err) {
        if (err instanceof LeadershipLost) {
          this.logger?.warn({ epoch: err.epoch }, 'event relay stops: another replica leads now and relays the outbox');
          break;
        }
        attempt++;
        this.failed(err);
        delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
        delay = Math.round(delay * (0.8 + Math.random() * 0.4));
      }
      if (delay > 0) await this.sleep(delay);
    }
  }

  private recovered(events: readonly OutboxEvent[]): void {
    this.stats.delivered += events.length;
    this.stats.batches++;
    if (this.stats.failingSince) {
      const downMs = Date.now() - this.stats.failingSince.getTime();
      this.logger?.info({ downMs, firstId: events[0]?.id }, 'event relay is delivering again; waiting events go out in order');
      this.stats.failingSince = undefined;
      this.stats.lastError = undefined;
    }
  }

  private failed(err: unknown): void {
    this.stats.failures++;
    this.stats.lastError = err instanceof Error ? err.message : String(err);
    if (!this.stats.failingSince) {
      this.stats.failingSince = new Date();
      this.logger?.warn({ err }, 'event relay cannot deliver; events wait in the outbox and are retried with backoff');
    } else {
      this.logger?.debug({ err }, 'event relay retry failed');
    }
  }

  private resolveIdle(pass: number): void {
    const ready = this.idleWaiters.filter((w) => w.afterPass < pass);
    this.idleWaiters = this.idleWaiters.filter((w) => w.afterPass >= pass);
    for (const w of ready) w.resolve();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
