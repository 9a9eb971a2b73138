/**
 * Publishes outbox events to Kafka with kafkajs: an idempotent producer (acks from all
 * in-sync replicas, one request in flight), so a batch lands whole and in order per
 * partition, and the broker drops the producer's own retries. Each message is keyed by the
 * event's key and carries `event-id`, `event-type` and `tenant-id` headers (and the W3C
 * `traceparent` of the publish span when tracing is on); consumers deduplicate on
 * `event-id`, because delivery is at least once (see OutboxRelay).
 *
 * After a failed send the producer is thrown away and a new one (new producer id, fresh
 * sequence numbers) is made for the next attempt, so a broker restart cannot leave it with
 * sequence numbers the broker no longer accepts.
 */
import { Kafka, logLevel, Partitioners, type LogEntry, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { OutboxEvent } from '../domain/types.js';
import { eventBody, type EventPublisher } from './event-publisher.js';
import { allTopics, DEFAULT_TOPIC_PREFIX, topicFor } from './topics.js';
import { inSpan, SpanKind, traceHeaders } from '../tracing/spans.js';

export interface KafkaPublisherOptions {
  /** `host:port` bootstrap brokers. */
  readonly brokers: readonly string[];
  /** @default 'debug-host' */
  readonly clientId?: string;
  /** Topics are `<prefix>.<stream>`. @default 'debug-host' */
  readonly topicPrefix?: string;
  /**
   * Create the four topics when missing, before the first send. Off by default: in a
   * cluster the `Kafka` construct declares them and the runtime's user may not create topics.
   * @default false
   */
  readonly createTopics?: { readonly numPartitions: number; readonly replicationFactor: number } | false;
  /** kafkajs's own log lines go here at debug level; the relay reports outages itself. */
  readonly logger?: Pick<Logger, 'debug'>;
  /** TCP connect timeout. @default 1000 */
  readonly connectionTimeoutMs?: number;
  /** Produce request timeout. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** kafkajs retries inside one publish, before it fails and the relay backs off. @default 3 */
  readonly retries?: number;
}

export class KafkaPublisher implements EventPublisher {
  private readonly kafka: Kafka;
  private readonly prefix: string;
  private readonly createTopics: KafkaPublisherOptions['createTopics'];
  private readonly retries: number;
  private producer?: Producer;
  private topicsReady = false;

  constructor(options: KafkaPublisherOptions) {
    if (options.brokers.length === 0) throw new RangeError('KafkaPublisher needs at least one broker (host:port)');
    const logger = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'debug-host',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      retry: { retries: options.retries ?? 3, initialRetryTime: 100, maxRetryTime: 1_000 },
      logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
      logCreator: () => (entry: LogEntry) => logger?.debug({ kafkajs: entry.namespace, ...entry.log }, entry.log.message),
    });
    this.prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
    this.createTopics = options.createTopics ?? false;
    this.retries = options.retries ?? 3;
  }

  async publish(events: readonly OutboxEvent[]): Promise<void> {
    if (events.length === 0) return;
    const producer = await this.connected();
    try {
      await inSpan('kafka.publish', { count: events.length }, () => producer.sendBatch({ acks: -1, topicMessages: this.toTopicMessages(events) }), { kind: SpanKind.PRODUCER });
    } catch (err) {
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect();
  }

  /** Groups by topic; within a topic the events keep the order given. */
  private toTopicMessages(events: readonly OutboxEvent[]): TopicMessages[] {
    const byTopic = new Map<string, Message[]>();
    // The publish span's context: a consumer's span joins the trace of the relay that sent it.
    const trace = traceHeaders();
    for (const event of events) {
      const topic = topicFor(event.type, this.prefix);
      let messages = byTopic.get(topic);
      if (!messages) byTopic.set(topic, (messages = []));
      messages.push({
        key: event.key,
        value: JSON.stringify(eventBody(event)),
        headers: { 'event-id': String(event.id), 'event-type': event.type, 'tenant-id': event.tenantId, ...trace },
      });
    }
    return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  }

  private async connected(): Promise<Producer> {
    if (this.producer) return this.producer;
    if (this.createTopics && !this.topicsReady) {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const { numPartitions, replicationFactor } = this.createTopics;
        await admin.createTopics({
          waitForLeaders: true,
          topics: allTopics(this.prefix).map((topic) => ({ topic, numPartitions, replicationFactor })),
        });
        this.topicsReady = true;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded (kafkajs would retry an idempotent producer forever): the relay owns the
      // long backoff and keeps the events in the outbox meanwhile.
      retry: { retries: this.retries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    try {
      await producer.connect();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producer = producer;
    return producer;
  }
}

/** `DEBUG_HOST_KAFKA_BROKERS` (comma-separated `host:port`), or undefined when unset. */
export function kafkaBrokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const brokers = (env.DEBUG_HOST_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  return brokers.length > 0 ? brokers : undefined;
}
