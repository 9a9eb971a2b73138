/**
 * The outbox relay wired to Kafka: what the runtime's composition root starts on the leader
 * when `DEBUG_HOST_KAFKA_BROKERS` is set (embedded mode uses `LogPublisher` instead).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { KafkaPublisher, type KafkaPublisherOptions } from './kafka-publisher.js';
import { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';

export interface KafkaRelayOptions
  extends KafkaPublisherOptions,
    Omit<OutboxRelayOptions, 'store' | 'publisher' | 'logger'> {
  readonly logger?: Pick<Logger, 'warn' | 'info' | 'debug'>;
}

/** A relay from `store`'s outbox to Kafka; call `start()` on it. */
export function kafkaRelay(store: Pick<Store, 'pendingEvents' | 'markDelivered'>, options: KafkaRelayOptions): OutboxRelay {
  return new OutboxRelay({ ...options, store, publisher: new KafkaPublisher(options) });
}
