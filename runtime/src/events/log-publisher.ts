/**
 * The embedded mode's publisher: writes each event to the log and reports it delivered.
 *
 * Why mark delivered rather than leave events in the outbox: with no Kafka there is no
 * consumer to wait for, and an outbox that is never drained grows without bound and slows
 * every `pendingEvents` scan. Nothing is lost by it: audit rows, usage and project state
 * live in their own tables; the outbox is only a delivery queue. To keep events for a Kafka
 * that will be configured later, run no relay at all instead.
 */
import type { Logger } from 'pino';
import type { OutboxEvent } from '../domain/types.js';
import { eventBody, type EventPublisher } from './event-publisher.js';
import { topicFor } from './topics.js';

export interface LogPublisherOptions {
  readonly logger: Pick<Logger, 'debug' | 'info'>;
  /** Log level of the event lines. @default 'debug' */
  readonly level?: 'debug' | 'info';
}

export class LogPublisher implements EventPublisher {
  private readonly logger: Pick<Logger, 'debug' | 'info'>;
  private readonly level: 'debug' | 'info';

  constructor(options: LogPublisherOptions) {
    this.logger = options.logger;
    this.level = options.level ?? 'debug';
  }

  async publish(events: readonly OutboxEvent[]): Promise<void> {
    for (const event of events) {
      this.logger[this.level]({ topic: topicFor(event.type), event: eventBody(event) }, `event ${event.type}`);
    }
  }

  async close(): Promise<void> {}
}
