/**
 * Trace context in Kafka messages: an event published while tracing is on carries the W3C
 * `traceparent` of its publish span, read back by a kafkajs consumer from the real broker of
 * `scripts/services up kafka`. Spans are kept in memory (the collector path is tracing.test.ts).
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaPublisher, kafkaBrokersFromEnv } from '../../runtime/src/events/kafka-publisher.js';
import { topicFor } from '../../runtime/src/events/topics.js';
import { startTracing } from '../../runtime/src/tracing/tracing.js';

const brokers = kafkaBrokersFromEnv();
if (!brokers) throw new Error('DEBUG_HOST_KAFKA_BROKERS is not set: start Kafka with `eval "$(scripts/services up kafka)"` and run this suite again.');

const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const PREFIX = `it-trace-${runId}`;

describe('trace context in Kafka message headers', () => {
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ replicaId: 'kafka-test', version: 'test', exporter });
  const publisher = new KafkaPublisher({ brokers, topicPrefix: PREFIX, createTopics: { numPartitions: 1, replicationFactor: 1 } });
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect();
    await publisher.close();
    await tracing.shutdown();
  });

  it('carries the publish span\'s traceparent on every message', async () => {
    await publisher.publish([{ id: 1, tenantId: 'acme', type: 'project.started', key: 'p1', payload: {}, createdAt: new Date() }]);
    const span = exporter.getFinishedSpans().find((s) => s.name === 'kafka.publish');
    expect(span?.attributes['debug_host.count']).toBe(1);
    const kafka = new Kafka({ clientId: `it-trace-${runId}`, brokers: [...brokers], logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `it-trace-${runId}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topicFor('project.started', PREFIX)], fromBeginning: true });
    const traceparent = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
      void consumer!.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.headers?.traceparent?.toString() ?? '(none)');
        },
      });
    });
    expect(traceparent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
  }, 60_000);
});
