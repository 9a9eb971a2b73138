/**
 * The outbox relay against the real Kafka broker from `scripts/services up kafka`, with the
 * real store (embedded PGlite): events reach their topics in order per key, and while the
 * broker is stopped they wait in the outbox and go out afterwards, none lost, none twice.
 * A kafkajs consumer reads the topics back. Each run uses topics of its own (a prefix).
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokersFromEnv } from '../../runtime/src/events/kafka-publisher.js';
import { kafkaRelay } from '../../runtime/src/events/kafka-relay.js';
import type { OutboxRelay } from '../../runtime/src/events/outbox-relay.js';
import { allTopics } from '../../runtime/src/events/topics.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { Store } from '../../runtime/src/store/store.js';
import { admin, platformAdmin, spec } from '../runtime/store/fixtures.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const brokers = kafkaBrokersFromEnv();
if (!brokers) {
  throw new Error(
    'DEBUG_HOST_KAFKA_BROKERS is not set: start Kafka with `eval "$(scripts/services up kafka)"` and run `npm run test:integration` again.',
  );
}
const services = (action: 'up' | 'down', name: string) =>
  run('bash', [join(ROOT, 'scripts/services'), action, name], { cwd: ROOT, timeout: 170_000 });

const runId = `${process.pid.toString(36)}${Date.now().toString(36)}`;
const PREFIX = `it-${runId}`;
const TENANT = `kafka-${runId}`;

interface Received {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly eventId: number;
  readonly type: string;
  readonly n?: number;
}

/** Reads every topic of this run from the beginning into `received`. */
async function consume(received: Received[]): Promise<Consumer> {
  const kafka = new Kafka({ clientId: `it-consumer-${runId}`, brokers: [...(brokers ?? [])], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `it-${runId}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: allTopics(PREFIX), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const body = JSON.parse(message.value?.toString() ?? '{}') as { payload?: { n?: number }; type: string };
      received.push({
        topic,
        partition,
        key: message.key?.toString() ?? '',
        eventId: Number(message.headers?.['event-id']?.toString()),
        type: body.type,
        n: body.payload?.n,
      });
    },
  });
  return consumer;
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  while (!(await fn())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}

describe('outbox relay to Kafka', () => {
  let store: Store;
  let relay: OutboxRelay;
  const projects: string[] = [];
  const consumers: Consumer[] = [];

  async function emit(rounds: number, from: number): Promise<void> {
    // Interleaved over the projects, so that batches mix keys and partitions.
    for (let i = 0; i < rounds; i++) {
      for (const id of projects) {
        await store.tenant(TENANT).recordState(id, { lastActivityAt: new Date() }, { type: 'project.heartbeat', payload: { n: from + i } });
      }
    }
  }

  /** Checks `received` holds each written event exactly once, in order per key. */
  async function expectExactlyOnceInOrder(received: Received[]): Promise<void> {
    expect(await store.pendingEvents(10_000)).toEqual([]);
    const ids = received.map((r) => r.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of projects) {
      const got = received.filter((r) => r.key === id);
      expect(got.map((r) => r.eventId)).toEqual([...got.map((r) => r.eventId)].sort((a, b) => a - b));
      expect(new Set(got.map((r) => r.partition)).size).toBe(1);
      expect(got.every((r) => r.topic === `${PREFIX}.lifecycle`)).toBe(true);
    }
  }

  beforeAll(async () => {
    await services('up', 'kafka');
    store = await openStore({});
    await store.createTenant({ id: TENANT }, platformAdmin);
    for (const name of ['web', 'api', 'worker', 'db']) {
      const p = await store.tenant(TENANT).registerProject(spec(name), admin(TENANT));
      projects.push(p.id);
    }
    const logger = pino({ level: 'info' }, pino.destination(2));
    relay = kafkaRelay(store, {
      brokers: [...(brokers ?? [])],
      topicPrefix: PREFIX,
      createTopics: { numPartitions: 3, replicationFactor: 1 },
      logger,
      batchSize: 50,
      idleMs: 50,
      maxBackoffMs: 2_000,
    });
    relay.start();
  });

  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await store?.close();
    // Leave the broker up for whoever runs next, whatever happened above, without this
    // run's topics (each run has its own, and many would slow every broker restart).
    await services('up', 'kafka');
    const admin = new Kafka({ clientId: `it-admin-${runId}`, brokers: [...(brokers ?? [])], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: allTopics(PREFIX) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('publishes outbox events to debug-host topics, keyed by project, in order, after the broker acked', async () => {
    await emit(25, 0);
    const start = Date.now();
    relay.notify();
    await relay.drained();
    const drainMs = Date.now() - start;
    const received: Received[] = [];
    const consumer = await consume(received);
    const total = 1 + projects.length * 26; // tenant.created, then per project: registered + 25 heartbeats
    await until(`${total} events to be consumed`, () => received.length >= total);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toHaveLength(total);
    expect(received.find((r) => r.type === 'tenant.created')).toMatchObject({ key: TENANT, topic: `${PREFIX}.lifecycle` });
    for (const id of projects) {
      expect(received.filter((r) => r.key === id).map((r) => r.n ?? 'registered')).toEqual([
        'registered',
        ...Array.from({ length: 25 }, (_, i) => i),
      ]);
    }
    await expectExactlyOnceInOrder(received);
    expect(relay.status.failures).toBe(0);
    // Gone before the outage test stops the broker, so that it does not wait out a session.
    await consumer.disconnect();
    console.log(JSON.stringify({ kafkaRelay: { events: total, drainMs } }));
  });

  it('while Kafka is stopped events wait in the outbox; after it is back they arrive in order, none lost, none twice', async () => {
    const before = relay.status.delivered;
    await services('down', 'kafka');
    await emit(20, 100);
    await until('the relay to notice the outage', () => relay.status.failingSince !== undefined, 30_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await store.pendingEvents(10_000)).length).toBe(projects.length * 20);
    expect(relay.status.delivered).toBe(before);

    const upStart = Date.now();
    await services('up', 'kafka');
    const upMs = Date.now() - upStart;
    const deliveredMs = await until('the waiting events to be delivered', async () => (await store.pendingEvents(1)).length === 0, 60_000);
    await emit(5, 200);
    relay.notify();
    await relay.drained();
    expect(relay.status.failingSince).toBeUndefined();

    // A fresh consumer reads everything this run ever published.
    const received: Received[] = [];
    consumers.push(await consume(received));
    const total = 1 + projects.length * (26 + 20 + 5);
    await until(`${total} events to be consumed`, () => received.length >= total);
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toHaveLength(total);
    for (const id of projects) {
      expect(received.filter((r) => r.key === id).map((r) => r.n ?? 'registered')).toEqual([
        'registered',
        ...Array.from({ length: 25 }, (_, i) => i),
        ...Array.from({ length: 20 }, (_, i) => 100 + i),
        ...Array.from({ length: 5 }, (_, i) => 200 + i),
      ]);
    }
    await expectExactlyOnceInOrder(received);
    console.log(
      JSON.stringify({ kafkaOutage: { brokerUpMs: upMs, waitingDeliveredAfterUpMs: deliveredMs, failedAttempts: relay.status.failures } }),
    );
  });
});
