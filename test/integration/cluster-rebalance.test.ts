/**
 * A replica joins a running cluster: runs move to it (their new ring owner) only where the
 * giving replica's policy allows, after the ring has settled, each still running exactly
 * once, with the reason in the project's log. r1 keeps the default (`adopt`: only Pods move,
 * and these are processes), r2 runs with `restart` (processes move too). The runtime's own
 * HashRing says beforehand which projects the new ring gives to r3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashRing } from '../../runtime/src/cluster/hash-ring.js';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { FIXTURES, SECRET, WEB, createDatabase, eventually } from '../runtime/harness.js';
import { callTool, health, projectProcessGroups, startReplica, stopReplica, type Replica } from './cluster-harness.js';

const SETTLE_MS = 3000;
const TWO = new HashRing(['r1', 'r2']);
const THREE = new HashRing(['r1', 'r2', 'r3']);

describe('a replica joins: rebalancing by policy', () => {
  const replicas: Replica[] = [];
  const ids: string[] = [];
  let token: string;
  let database: { databaseUrl: string; dbRolePrefix: string };
  const status = (projectId: string) => callTool(replicas[0]!, token, 'host.status', { projectId });
  const moving = (from: string) => ids.filter((id) => TWO.ownerOf(id) === from && THREE.ownerOf(id) === 'r3');

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up)"` before `npm run test:integration`.');
    database = await createDatabase(`rb${Date.now().toString(36).slice(-6)}`);
    const settle = { DEBUG_HOST_REBALANCE_SETTLE_MS: String(SETTLE_MS) };
    replicas.push(await startReplica('r1', database, 0, settle));
    replicas.push(await startReplica('r2', database, 0, { ...settle, DEBUG_HOST_REBALANCE: 'restart' }));
    token = await new TokenService({ secret: SECRET }).mint({ tenant: 'default', role: 'developer', ttl: '1h' });
    await eventually(async () => ((await health(replicas[0]!)).members.length === 2 ? true : undefined), 20_000, 'two members');
    // Twelve projects, and more until the new ring takes at least two from each of r1 and r2;
    // past twelve only those that fill that need are started (ids are random, so an unlucky
    // draw could otherwise run past the tenant's containers quota of 50).
    const needs = (id: string) => ids.length < 12 || ['r1', 'r2'].some((from) => moving(from).length < 2 && TWO.ownerOf(id) === from && THREE.ownerOf(id) === 'r3');
    for (let i = 0; ids.length < 12 || moving('r1').length < 2 || moving('r2').length < 2; i += 1) {
      const registered = await callTool(replicas[i % 2]!, token, 'host.register', { name: `rb-${i}`, workspace: FIXTURES, command: WEB });
      if (needs(registered.data.projectId)) ids.push(registered.data.projectId);
    }
    const starts = await Promise.all(ids.map((projectId, i) => callTool(replicas[i % 2]!, token, 'host.start', { projectId })));
    expect(starts.filter((s) => s.isError).map((s) => s.text)).toEqual([]);
  });

  afterAll(async () => {
    for (const replica of replicas) await stopReplica(replica, 'SIGKILL').catch(() => undefined);
    for (const [id, pgids] of projectProcessGroups()) if (ids.includes(id)) for (const pgid of pgids) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
  });

  it("moves r2's processes that the ring now gives to r3, keeps r1's, and runs each project exactly once", async () => {
    const before = new Map<string, { owner: string; pid: number }>();
    for (const projectId of ids) {
      const { project } = (await status(projectId)).data;
      expect(project.owner).toBe(TWO.ownerOf(projectId)); // started on their ring owner
      before.set(projectId, { owner: project.owner, pid: project.pid });
    }
    const joined = Date.now();
    replicas.push(await startReplica('r3', database, 0, { DEBUG_HOST_REBALANCE_SETTLE_MS: String(SETTLE_MS) }));
    const expected = new Set(moving('r2'));
    const after = await eventually(async () => {
      const now = await Promise.all(ids.map(async (projectId) => (await status(projectId)).data.project));
      const onR3 = now.filter((p) => p.owner === 'r3');
      return onR3.length === expected.size && now.every((p) => p.ready && p.live) ? now : undefined;
    }, 60_000, `r3 running the ${expected.size} runs r2 handed it, every project ready`);
    expect(Date.now() - joined).toBeGreaterThanOrEqual(SETTLE_MS);

    for (const [i, projectId] of ids.entries()) {
      const was = before.get(projectId)!;
      const now = after[i]!;
      if (expected.has(projectId)) {
        expect(now.owner).toBe('r3');
        expect(now.pid).not.toBe(was.pid);
        const log = await callTool(replicas[0]!, token, 'host.searchLogs', { projectId, query: '"rebalanced after the ring changed"' });
        expect(log.data.total).toBe(1);
      } else {
        // r1's (adopt only: a process is never restarted to move it) and r2's that stay on r2.
        expect([now.owner, now.pid]).toEqual([was.owner, was.pid]);
      }
    }
    expect((await health(replicas[2]!)).owned).toBe(expected.size);
    // A settle period later nothing else has moved, nothing has moved back.
    await new Promise((r) => setTimeout(r, SETTLE_MS + 2000));
    const final = await Promise.all(ids.map(async (projectId) => (await status(projectId)).data.project));
    expect(final.map((p) => [p.owner, p.pid])).toEqual(after.map((p) => [p.owner, p.pid]));
    const groups = projectProcessGroups();
    expect(ids.map((id) => groups.get(id)?.size ?? 0)).toEqual(ids.map(() => 1));
  });
});
