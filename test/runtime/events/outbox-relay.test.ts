import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../../runtime/src/domain/types.js';
import type { EventPublisher } from '../../../runtime/src/events/event-publisher.js';
import { createOutboxRelay } from '../../../runtime/src/events/create-relay.js';
import { KafkaPublisher } from '../../../runtime/src/events/kafka-publisher.js';
import { LogPublisher } from '../../../runtime/src/events/log-publisher.js';
import { OutboxRelay } from '../../../runtime/src/events/outbox-relay.js';
import { takeLeaderEpoch } from '../../../runtime/src/store/leader-epoch.js';
import { openStore } from '../../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import type { Store } from '../../../runtime/src/store/store.js';
import { admin, platformAdmin, spec, tenantId } from '../store/fixtures.js';

/** Records what it is given; fails every call while `down` is set. */
class RecordingPublisher implements EventPublisher {
  readonly seen: OutboxEvent[] = [];
  down = false;
  attempts = 0;
  closed = false;
  async publish(events: readonly OutboxEvent[]): Promise<void> {
    this.attempts++;
    if (this.down) throw new Error('broker unreachable');
    this.seen.push(...events);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const pendingCount = async (store: Store): Promise<number> => (await store.pendingEvents(10_000)).length;

/** Writes `n` lifecycle events for one new project and returns its id. */
async function projectEvents(store: Store, tenant: string, name: string, n: number): Promise<string> {
  const t = store.tenant(tenant);
  const p = await t.registerProject(spec(name), admin(tenant));
  for (let i = 0; i < n; i++) await t.recordState(p.id, { lastActivityAt: new Date() }, { type: 'project.heartbeat', payload: { n: i } });
  return p.id;
}

describe('OutboxRelay on the embedded store', () => {
  let store: Store;
  let tenant: string;
  beforeAll(async () => {
    store = await openStore({});
    tenant = tenantId('relay');
    await store.createTenant({ id: tenant }, platformAdmin);
  });
  afterAll(() => store.close());

  it('publishes every pending event once, oldest first, then marks them delivered', async () => {
    const a = await projectEvents(store, tenant, 'a', 5);
    const b = await projectEvents(store, tenant, 'b', 5);
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay({ store, publisher, batchSize: 4, idleMs: 20 });
    relay.start();
    await relay.drained();
    await relay.stop();
    expect(publisher.closed).toBe(true);
    const ids = publisher.seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    for (const key of [a, b]) {
      expect(publisher.seen.filter((e) => e.key === key).map((e) => e.payload.n ?? 'registered')).toEqual(['registered', 0, 1, 2, 3, 4]);
    }
    expect(publisher.seen[0]).toMatchObject({ type: 'tenant.created', key: tenant });
    expect(await pendingCount(store)).toBe(0);
    expect(relay.status).toMatchObject({ delivered: ids.length, failures: 0 });
  });

  it('stops, marking nothing, once its leader was deposed (another replica took the leader epoch)', async () => {
    await projectEvents(store, tenant, 'deposed', 3);
    const before = await pendingCount(store);
    const client = (store as SqlStore).client;
    const epoch = await takeLeaderEpoch(client, 'old-leader');
    await takeLeaderEpoch(client, 'new-leader');
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay({ store, publisher, idleMs: 10, leaderEpoch: () => epoch });
    relay.start();
    await new Promise((r) => setTimeout(r, 300));
    // One batch went out before the mark was refused (at least once); none after, and nothing is marked.
    expect(publisher.attempts).toBe(1);
    expect(await pendingCount(store)).toBe(before);
    await relay.stop();
    // The current leader's relay delivers them.
    const current = new OutboxRelay({ store, publisher: new RecordingPublisher(), idleMs: 10, leaderEpoch: () => epoch + 1 });
    current.start();
    await current.drained();
    await current.stop();
    expect(await pendingCount(store)).toBe(0);
  });

  it('keeps events in the outbox while publishing fails, then sends them in order', async () => {
    const publisher = new RecordingPublisher();
    publisher.down = true;
    const relay = new OutboxRelay({ store, publisher, idleMs: 10, initialBackoffMs: 10, maxBackoffMs: 40 });
    const p = await projectEvents(store, tenant, 'c', 10);
    relay.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(publisher.attempts).toBeGreaterThan(2);
    expect(relay.status.failingSince).toBeInstanceOf(Date);
    expect(relay.status.lastError).toBe('broker unreachable');
    expect(await pendingCount(store)).toBe(11);

    publisher.down = false;
    await relay.drained();
    await relay.stop();
    expect(publisher.seen.filter((e) => e.key === p).map((e) => e.payload.n ?? 'registered')).toEqual([
      'registered', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(publisher.seen).toHaveLength(11);
    expect(relay.status.failingSince).toBeUndefined();
    expect(await pendingCount(store)).toBe(0);
  });

  it('backs off exponentially up to the ceiling, whatever notify() says', async () => {
    const publisher = new RecordingPublisher();
    publisher.down = true;
    await projectEvents(store, tenant, 'd', 1);
    const relay = new OutboxRelay({ store, publisher, initialBackoffMs: 50, maxBackoffMs: 100 });
    relay.start();
    // Commits keep calling notify(); that must not cut the backoff short.
    const spam = setInterval(() => relay.notify(), 5);
    await new Promise((r) => setTimeout(r, 500));
    clearInterval(spam);
    publisher.down = false;
    await relay.drained();
    await relay.stop();
    // 50, 100, 100, 100 (±20%) fit in 500 ms: about five tries, not hundreds.
    expect(publisher.attempts).toBeGreaterThanOrEqual(4);
    expect(publisher.attempts).toBeLessThanOrEqual(8);
  });

  it('the embedded LogPublisher logs each event with its topic and lets the relay mark it delivered', async () => {
    const lines: { msg: string; [field: string]: unknown }[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { msg: string }) });
    await projectEvents(store, tenant, 'e', 2);
    const relay = new OutboxRelay({ store, publisher: new LogPublisher({ logger }), idleMs: 10 });
    relay.start();
    await relay.drained();
    await relay.stop();
    expect(lines.map((l) => l.msg)).toEqual(['event project.registered', 'event project.heartbeat', 'event project.heartbeat']);
    expect(lines[0]).toMatchObject({ topic: 'debug-host.lifecycle', event: { type: 'project.registered', tenantId: tenant } });
    expect(await pendingCount(store)).toBe(0);
  });

  it('createOutboxRelay sends to Kafka when brokers are configured, to the log otherwise', () => {
    const logger = pino({ level: 'silent' });
    expect(createOutboxRelay(store, { logger }).publisher).toBeInstanceOf(LogPublisher);
    expect(createOutboxRelay(store, { logger, brokers: ['127.0.0.1:59092'] }).publisher).toBeInstanceOf(KafkaPublisher);
  });
});
