/**
 * Where the outbox relay sends events: Kafka in a cluster (`KafkaPublisher`), the log in
 * embedded mode (`LogPublisher`).
 */
import type { OutboxEvent } from '../domain/types.js';

export interface EventPublisher {
  /**
   * Resolves only once every event is durably accepted downstream, events of one key in the
   * order given. Rejects otherwise; the relay then counts none of them as delivered and
   * sends them again later, so a publisher must tolerate seeing an event twice.
   */
  publish(events: readonly OutboxEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** The wire form of an event (JSON), the same for every publisher. */
export function eventBody(event: OutboxEvent): Record<string, unknown> {
  return {
    id: event.id,
    tenantId: event.tenantId,
    type: event.type,
    key: event.key,
    payload: event.payload,
    createdAt: event.createdAt.toISOString(),
  };
}
