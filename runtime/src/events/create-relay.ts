/**
 * Picks the outbox relay from the runtime's config: to Kafka when brokers are configured,
 * else to the log (embedded mode; see LogPublisher for why that marks events delivered).
 * The caller starts it on the leader only.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';
import { kafkaRelay, type KafkaRelayOptions } from './kafka-relay.js';
import { LogPublisher } from './log-publisher.js';
import { OutboxRelay } from './outbox-relay.js';

export interface CreateRelayOptions extends Partial<Omit<KafkaRelayOptions, 'logger'>> {
  readonly logger: Pick<Logger, 'warn' | 'info' | 'debug'>;
}

export function createOutboxRelay(store: Pick<Store, 'pendingEvents' | 'markDelivered'>, options: CreateRelayOptions): OutboxRelay {
  const { brokers, ...rest } = options;
  if (brokers && brokers.length > 0) return kafkaRelay(store, { ...rest, brokers });
  return new OutboxRelay({ ...rest, store, publisher: new LogPublisher({ logger: options.logger }) });
}
