/**
 * Outbox retention in the store (SqlStore.pruneDeliveredEvents), on every engine: delivered
 * events older than the age go, oldest first and a bounded batch at a time; undelivered and
 * recently delivered ones stay; a deposed leader's prune is refused and deletes nothing.
 */
import { describe, expect, it } from 'vitest';
import { LeadershipLost, takeLeaderEpoch } from '../../../runtime/src/store/leader-epoch.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import { admin, failure, platformAdmin, spec, tenantId } from './fixtures.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export function outboxRetentionSuite(store: () => SqlStore): void {
  /** A tenant with `n` outbox events (tenant.created plus registrations), their ids oldest first. */
  async function events(n: number): Promise<number[]> {
    const id = tenantId();
    await store().createTenant({ id }, platformAdmin);
    for (let i = 1; i < n; i += 1) await store().tenant(id).registerProject(spec(`p${i}`), admin(id));
    const { rows } = await store().client.query<{ id: number }>('SELECT id FROM platform.outbox WHERE tenant_id = $1 ORDER BY id', [id]);
    return rows.map((r) => r.id);
  }
  const deliveredAgo = (ids: readonly number[], ms: number) =>
    store().client.query(`UPDATE platform.outbox SET delivered_at = now() - $2::bigint * interval '1 millisecond' WHERE id = ANY($1::bigint[])`, [[...ids], ms]);
  const remaining = async (ids: readonly number[]) =>
    (await store().client.query<{ id: number }>('SELECT id FROM platform.outbox WHERE id = ANY($1::bigint[]) ORDER BY id', [[...ids]])).rows.map((r) => r.id);

  describe('outbox retention', () => {
    it('deletes delivered events older than the age, oldest first, a bounded batch at a time, and never undelivered ones', async () => {
      const ids = await events(7);
      // Delivered 5, 4, 3 and 2 days ago (the first four), an hour ago (the fifth); two undelivered.
      for (const [i, days] of [5, 4, 3, 2].entries()) await deliveredAgo([ids[i]!], days * DAY_MS);
      await deliveredAgo([ids[4]!], 60 * 60 * 1000);
      expect(await store().pruneDeliveredEvents(DAY_MS, 3)).toBe(3);
      expect(await remaining(ids)).toEqual(ids.slice(3));
      expect(await store().pruneDeliveredEvents(DAY_MS, 3)).toBe(1);
      expect(await store().pruneDeliveredEvents(DAY_MS, 3)).toBe(0);
      expect(await remaining(ids)).toEqual(ids.slice(4));
      const pending = (await store().pendingEvents(100_000)).map((e) => e.id);
      expect(pending).toEqual(expect.arrayContaining(ids.slice(5)));
    });

    it('refuses a deposed leader\'s prune and deletes nothing; the current leader\'s goes through', async () => {
      const ids = await events(2);
      await deliveredAgo(ids, 2 * DAY_MS);
      const old = await takeLeaderEpoch(store().client, 'replica-a');
      const now = await takeLeaderEpoch(store().client, 'replica-b');
      expect(await failure(store().pruneDeliveredEvents(DAY_MS, 100, old))).toBeInstanceOf(LeadershipLost);
      expect(await remaining(ids)).toEqual(ids);
      expect(await store().pruneDeliveredEvents(DAY_MS, 100, now)).toBe(2);
      expect(await remaining(ids)).toEqual([]);
    });

    it('has a partial index on delivered_at for the prune (platform migration 3)', async () => {
      const { rows } = await store().client.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'platform' AND indexname = 'outbox_delivered'");
      expect(rows[0]?.indexdef).toMatch(/ON platform\.outbox USING btree \(delivered_at\) WHERE \(delivered_at IS NOT NULL\)/);
    });
  });
}
