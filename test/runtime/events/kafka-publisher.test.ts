/**
 * The Kafka publisher with no broker to talk to (a closed port): publish fails within a
 * bounded time, so the relay backs off and keeps the events. Delivery to a real broker is
 * in test/integration/kafka.test.ts.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { KafkaPublisher, kafkaBrokersFromEnv } from '../../../runtime/src/events/kafka-publisher.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const event = { id: 1, tenantId: 'acme', type: 'project.started', key: 'p1', payload: {}, createdAt: new Date() };

describe('KafkaPublisher', () => {
  it('rejects within a bounded time when no broker answers', async () => {
    const publisher = new KafkaPublisher({ brokers: [`127.0.0.1:${await closedPort()}`], retries: 1 });
    const started = Date.now();
    await expect(publisher.publish([event])).rejects.toThrow(/ECONNREFUSED|Connection error/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await publisher.close();
  });

  it('needs a broker, and reads DEBUG_HOST_KAFKA_BROKERS', () => {
    expect(() => new KafkaPublisher({ brokers: [] })).toThrow(/at least one broker/);
    expect(kafkaBrokersFromEnv({})).toBeUndefined();
    expect(kafkaBrokersFromEnv({ DEBUG_HOST_KAFKA_BROKERS: '127.0.0.1:59092, 127.0.0.1:59094' })).toEqual(['127.0.0.1:59092', '127.0.0.1:59094']);
  });
});
