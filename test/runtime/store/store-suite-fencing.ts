/**
 * Fencing in the store (store/fence.ts, store/leader-epoch.ts), on every engine: a write
 * conditioned on a run, its owner and its epoch changes nothing once another replica took
 * the run; a deposed leader's outbox marks and usage samples are refused.
 */
import { describe, expect, it } from 'vitest';
import { FencedOut } from '../../../runtime/src/store/fence.js';
import { LeadershipLost, takeLeaderEpoch } from '../../../runtime/src/store/leader-epoch.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import { admin, failure, platformAdmin, spec, tenantId } from './fixtures.js';

export function fencingSuite(store: () => SqlStore): void {
  async function claimed(owner = 'replica-a') {
    const id = tenantId();
    await store().createTenant({ id }, platformAdmin);
    const t = store().tenant(id);
    const p = await t.registerProject(spec('a'), admin(id));
    const claim = await t.claimStart(p.id, admin(id), owner);
    return { id, t, p, claim, fence: { runId: claim.runId, owner, epoch: claim.project.epoch } };
  }

  describe('fencing of run writes', () => {
    it('gives every claim, takeover, renewal and release a higher epoch', async () => {
      const { t, p, claim, fence } = await claimed();
      expect(claim.project.epoch).toBeGreaterThan(0);
      expect(await t.handOver(p.id, 'replica-a', 'replica-b', 'left', fence.epoch)).toBe(true);
      const handed = (await t.getProject(p.id))!;
      expect(handed.epoch).toBe(fence.epoch + 1);
      const renewed = await t.renewFence(p.id, { runId: claim.runId, owner: 'replica-b', epoch: handed.epoch });
      expect(renewed?.epoch).toBe(handed.epoch + 1);
      const released = await t.release(p.id, { state: 'stopped', reason: 'requested' }, undefined, { runId: claim.runId, owner: 'replica-b', epoch: renewed!.epoch });
      expect(released.epoch).toBe(renewed!.epoch + 1);
    });

    it('refuses the old owner\'s state writes and release after a takeover, and changes nothing', async () => {
      const { t, p, fence } = await claimed();
      expect(await t.handOver(p.id, 'replica-a', 'replica-b', 'replica-a left the cluster', fence.epoch)).toBe(true);
      const before = (await t.getProject(p.id))!;
      const write = await failure(t.recordState(p.id, { state: 'running', ready: true, pid: 1 }, { type: 'project.ready' }, fence));
      expect(write).toBeInstanceOf(FencedOut);
      expect(write).toMatchObject({ code: 'unavailable', facts: { retryAfterMs: expect.any(Number) } });
      const end = await failure(t.release(p.id, { state: 'crashed', reason: 'exit 1' }, undefined, fence));
      expect(end).toBeInstanceOf(FencedOut);
      const after = (await t.getProject(p.id))!;
      expect(after).toEqual(before);
      expect(after).toMatchObject({ owner: 'replica-b', state: 'starting', desired: 'running' });
      expect((await t.usage()).containers.used).toBe(1);
    });

    it('lets only one of two takeovers from the same epoch win', async () => {
      const { t, p, fence } = await claimed();
      const results = await Promise.all([
        t.handOver(p.id, 'replica-a', 'replica-b', 'left', fence.epoch),
        t.handOver(p.id, 'replica-a', 'replica-c', 'left', fence.epoch),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      // A takeover from a stale epoch fails even when the owner matches.
      const owner = (await t.getProject(p.id))!.owner!;
      expect(await t.handOver(p.id, owner, 'replica-d', 'left', fence.epoch)).toBe(false);
    });

    it('rolls a takeover back when the old owner heartbeated within the silence it needs (a stale view of the cluster)', async () => {
      const { t, p, fence } = await claimed('replica-alive');
      await store().heartbeat('replica-alive', 'http://127.0.0.1:1', false);
      const before = (await t.getProject(p.id))!;
      expect(await t.handOver(p.id, 'replica-alive', 'replica-b', 'replica-alive left the cluster', fence.epoch, 4000)).toBe(false);
      expect(await t.getProject(p.id)).toEqual(before);
      // Once its heartbeat is older than the silence, the takeover goes through.
      await store().client.query(`UPDATE platform.replicas SET heartbeat_at = now() - interval '5 seconds' WHERE id = 'replica-alive'`);
      expect(await t.handOver(p.id, 'replica-alive', 'replica-b', 'replica-alive left the cluster', fence.epoch, 4000)).toBe(true);
      expect((await t.getProject(p.id))!).toMatchObject({ owner: 'replica-b', epoch: fence.epoch + 1 });
    });

    it('refuses a renewal by a previous life of the owner once the run was taken up again', async () => {
      const { t, p, fence } = await claimed();
      expect(await t.renewFence(p.id, fence)).toBeDefined();
      expect(await t.renewFence(p.id, fence)).toBeUndefined();
      expect(await failure(t.recordState(p.id, { ready: true }, undefined, fence))).toBeInstanceOf(FencedOut);
    });

    it('ends a run by run id and epoch for a stop whose owner is gone, but never a newer run', async () => {
      const { id, t, p, fence } = await claimed();
      await t.release(p.id, { state: 'stopped', reason: 'requested' }, admin(id), { runId: fence.runId, epoch: fence.epoch });
      const next = await t.claimStart(p.id, admin(id), 'replica-b');
      expect(await failure(t.release(p.id, { state: 'stopped', reason: 'late stop' }, admin(id), { runId: fence.runId, epoch: fence.epoch }))).toBeInstanceOf(FencedOut);
      expect((await t.getProject(p.id))!).toMatchObject({ runId: next.runId, state: 'starting', owner: 'replica-b' });
    });

    it('still says not_found for a fenced write to a project that does not exist', async () => {
      const { t, fence } = await claimed();
      expect((await failure(t.recordState('nope', { ready: true }, undefined, fence))).code).toBe('not_found');
    });
  });

  describe('fencing of the leader', () => {
    it('refuses a deposed leader\'s outbox marks and usage samples, and keeps the events pending', async () => {
      const id = tenantId();
      await store().createTenant({ id }, platformAdmin);
      const old = await takeLeaderEpoch(store().client, 'replica-a');
      const now = await takeLeaderEpoch(store().client, 'replica-b');
      expect(now).toBe(old + 1);
      const pending = (await store().pendingEvents(100_000)).filter((e) => e.tenantId === id);
      expect(pending.length).toBeGreaterThan(0);
      const ids = pending.map((e) => e.id);
      expect(await failure(store().markDelivered(ids, old))).toBeInstanceOf(LeadershipLost);
      expect((await store().pendingEvents(100_000)).filter((e) => e.tenantId === id).map((e) => e.id)).toEqual(ids);
      expect(await failure(store().recordEvent(id, 'usage.sample', id, { n: 1 }, old))).toBeInstanceOf(LeadershipLost);
      await store().recordEvent(id, 'usage.sample', id, { n: 2 }, now);
      await store().markDelivered(ids, now);
      const left = (await store().pendingEvents(100_000)).filter((e) => e.tenantId === id);
      expect(left.map((e) => [e.type, e.payload])).toEqual([['usage.sample', { n: 2 }]]);
    });
  });
}
