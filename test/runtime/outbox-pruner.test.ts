/**
 * Outbox retention on the leader (events/outbox-pruner.ts, wired in services.ts): the
 * leader's services prune delivered events past the retention as soon as it leads; a pass
 * is bounded; a deposed leader's pruner stops; the retention defaults to one day.
 */
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import { DEFAULT_OUTBOX_RETENTION_MS, OutboxPruner } from '../../runtime/src/events/outbox-pruner.js';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { connectServices } from '../../runtime/src/services.js';
import { takeLeaderEpoch } from '../../runtime/src/store/leader-epoch.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../runtime/src/store/sql-store.js';
import { eventually } from './harness.js';

const HOUR_MS = 60 * 60 * 1000;
const silent = pino({ level: 'silent' });

describe('outbox retention on the leader', () => {
  let store: SqlStore;
  let tenants = 0;

  beforeAll(async () => {
    store = await openStore();
  });
  afterAll(() => store.close());

  /** `n` new events (a tenant's creation and usage samples), delivered `agoMs` ago unless undefined. */
  async function events(n: number, agoMs: number | undefined): Promise<number[]> {
    const id = `t-${++tenants}`;
    await store.createTenant({ id }, SYSTEM_ACTOR);
    for (let i = 1; i < n; i += 1) await store.recordEvent(id, 'usage.sample', id, { i });
    const { rows } = await store.client.query<{ id: number }>('SELECT id FROM platform.outbox WHERE tenant_id = $1 ORDER BY id', [id]);
    const ids = rows.map((r) => r.id);
    if (agoMs !== undefined) await store.client.query(`UPDATE platform.outbox SET delivered_at = now() - $2::bigint * interval '1 millisecond' WHERE id = ANY($1::bigint[])`, [ids, agoMs]);
    return ids;
  }
  const count = async (ids: readonly number[]) => (await store.client.query<{ n: number }>('SELECT count(*)::int AS n FROM platform.outbox WHERE id = ANY($1::bigint[])', [[...ids]])).rows[0]!.n;

  it('is done by the leader\'s services as soon as it leads: delivered events past the retention go, the rest stay', async () => {
    const old = await events(5, 2 * HOUR_MS);
    const recent = await events(3, 60_000);
    const undelivered = await events(3, undefined);
    const services = connectServices(loadConfig({ outboxRetentionMs: HOUR_MS, logLevel: 'silent' }, {}), store, silent, {});
    try {
      expect(services.leadership.isLeader).toBe(false);
      expect(await count(old)).toBe(5);
      await services.leadership.start();
      await eventually(async () => (await count(old)) === 0, 10_000, 'the leader to prune');
      expect(await count(recent)).toBe(3);
      expect(await count(undelivered)).toBe(3);
    } finally {
      await services.close();
    }
  });

  it('deletes at most maxBatchesPerPass x batchSize rows a pass, the rest in the next', async () => {
    const old = await events(7, 2 * HOUR_MS);
    const pruner = new OutboxPruner({ store, retentionMs: HOUR_MS, batchSize: 2, maxBatchesPerPass: 2 });
    expect(await pruner.prune()).toBe(4);
    expect(await count(old)).toBe(3);
    expect(await pruner.prune()).toBe(3);
    expect(await count(old)).toBe(0);
  });

  it('stops when another replica took the leader epoch, deleting nothing', async () => {
    const old = await events(2, 2 * HOUR_MS);
    const mine = await takeLeaderEpoch(store.client, 'replica-a');
    await takeLeaderEpoch(store.client, 'replica-b');
    const warnings: string[] = [];
    const logger = { warn: (_: unknown, msg: string) => void warnings.push(msg), info: () => undefined, debug: () => undefined } as unknown as Pick<Logger, 'warn' | 'info' | 'debug'>;
    const pruner = new OutboxPruner({ store, logger, retentionMs: HOUR_MS, intervalMs: 20, leaderEpoch: () => mine });
    pruner.start();
    await eventually(async () => warnings.length > 0, 5000, 'the pruner to notice');
    await new Promise((r) => setTimeout(r, 100));
    expect(warnings).toEqual(['outbox pruning stops: another replica leads now and prunes']);
    expect(await count(old)).toBe(2);
    await pruner.stop();
  });

  it('keeps delivered events one day unless DEBUG_HOST_OUTBOX_RETENTION_MS says otherwise', () => {
    expect(DEFAULT_OUTBOX_RETENTION_MS).toBe(86_400_000);
    expect(loadConfig({}, {}).outboxRetentionMs).toBe(86_400_000);
    expect(loadConfig({}, { DEBUG_HOST_OUTBOX_RETENTION_MS: '600000' }).outboxRetentionMs).toBe(600_000);
    expect(() => loadConfig({}, { DEBUG_HOST_OUTBOX_RETENTION_MS: '-1' })).toThrow(/DEBUG_HOST_OUTBOX_RETENTION_MS/);
  });
});
