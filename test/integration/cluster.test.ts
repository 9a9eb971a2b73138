import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { FIXTURES, SECRET, WEB, createDatabase, eventually, isAlive } from '../runtime/harness.js';
import { isRunning } from '../support/project-processes.js';
import { StatusLoad, callTool, health, isReady, projectProcessGroups, startReplica, stopReplica, type Replica } from './cluster-harness.js';

const PROJECTS = 12;
const SERVICES = resolve(import.meta.dirname, '../../scripts/services');
const services = (...args: string[]) => execFileSync(SERVICES, args, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();

describe('three replicas on loopback: routing, leader, failover, rolling restart', () => {
  let database: { databaseUrl: string; dbRolePrefix: string };
  let replicas: Replica[] = [];
  let token: string;
  const ids: string[] = [];

  const status = (replica: Replica, projectId: string) => callTool(replica, token, 'host.status', { projectId });
  const everyProjectReady = (via: Replica = replicas[0]!) =>
    eventually(async () => {
      const results = await Promise.all(ids.map((id) => status(via, id)));
      return results.every((r) => !r.isError && r.data.project.ready && r.data.project.live) ? results.map((r) => r.data.project) : undefined;
    }, 45_000, 'every project ready on its owner');
  const exactlyOnce = () => {
    const groups = projectProcessGroups();
    return ids.map((id) => groups.get(id)?.size ?? 0);
  };

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up)"` before `npm run test:integration`.');
    database = await createDatabase(`c${Date.now().toString(36).slice(-6)}`);
    replicas = [await startReplica('r1', database)];
    replicas.push(...(await Promise.all([startReplica('r2', database), startReplica('r3', database)])));
    token = await new TokenService({ secret: SECRET }).mint({ tenant: 'default', role: 'developer', ttl: '2h' });
  });

  afterAll(async () => {
    for (const replica of replicas) await stopReplica(replica, 'SIGKILL').catch(() => undefined);
    for (const pgids of projectProcessGroups().values()) for (const pgid of pgids) if (ids.length) try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
  });

  it('forms one ring with exactly one leader', async () => {
    const views = await eventually(async () => {
      const all = await Promise.all(replicas.map(health));
      return all.every((h) => h.members.length === 3) ? all : undefined;
    }, 20_000, 'three members in every view');
    expect(views.map((h) => h.members)).toEqual([['r1', 'r2', 'r3'], ['r1', 'r2', 'r3'], ['r1', 'r2', 'r3']]);
    expect(views.filter((h) => h.leader)).toHaveLength(1);
  });

  it('spreads projects over all replicas and reaches the owner through any of them', async () => {
    for (let i = 0; i < PROJECTS; i += 1) {
      const registered = await callTool(replicas[i % 3]!, token, 'host.register', { name: `web-${i}`, workspace: FIXTURES, command: WEB });
      ids.push(registered.data.projectId);
    }
    const starts = await Promise.all(ids.map((projectId, i) => callTool(replicas[(i + 1) % 3]!, token, 'host.start', { projectId })));
    expect(starts.filter((s) => s.isError).map((s) => s.text)).toEqual([]);
    const projects = await everyProjectReady();
    expect(new Set(projects.map((p) => p.owner))).toEqual(new Set(['r1', 'r2', 'r3']));
    for (const [i, projectId] of ids.entries()) {
      const seen = await Promise.all(replicas.map((r) => status(r, projectId)));
      expect(seen.map((s) => s.data.project.pid)).toEqual([projects[i].pid, projects[i].pid, projects[i].pid]);
      expect(seen.every((s) => s.data.project.live)).toBe(true);
    }
    expect(exactlyOnce()).toEqual(ids.map(() => 1));
  });

  it('routes repeat calls from the ownership cache in Redis, and a stop here and a start there never send a call astray', async () => {
    const hits = async () =>
      (await Promise.all(replicas.map(async (r) => (await (await fetch(`${r.base}/metrics`)).text()).match(/debug_host_route_cache_total\{result="hit"[^}]*\} (\d+)/)?.[1])))
        .map(Number)
        .map((n) => (Number.isNaN(n) ? 0 : n))
        .reduce((a, b) => a + b, 0);
    expect((await health(replicas[0]!)).cache).toBe('redis');
    const before = await hits();
    for (let round = 0; round < 3; round += 1) {
      for (const projectId of ids) {
        const seen = await Promise.all(replicas.map((r) => status(r, projectId)));
        expect(seen.every((s) => s.data.project.live)).toBe(true); // answered by the replica that runs it
      }
    }
    // Every call that landed on a non-owner after the first looked its route up in the cache.
    expect((await hits()) - before).toBeGreaterThanOrEqual(ids.length * 2);

    const projectId = ids[0]!;
    const first = await status(replicas[0]!, projectId);
    const owner = replicas.find((r) => r.id === first.data.project.owner)!;
    const others = replicas.filter((r) => r !== owner);
    // Stopped through one non-owner, started through the other, asked everywhere at once.
    expect((await callTool(others[0]!, token, 'host.stop', { projectId })).isError).toBe(false);
    expect((await callTool(others[1]!, token, 'host.start', { projectId })).isError).toBe(false);
    const project = await eventually(async () => {
      const seen = await Promise.all(replicas.map((r) => status(r, projectId)));
      return seen.every((s) => s.data.project.live && s.data.project.ready && s.data.project.pid === seen[0]!.data.project.pid) ? seen[0]!.data.project : undefined;
    }, 20_000, 'every replica reaching the one new run');
    expect(project.pid).not.toBe(first.data.project.pid);
    expect(exactlyOnce()).toEqual(ids.map(() => 1));
  });

  it('survives kill -9 of the leader\'s server process under load: its projects end with it, a new leader, and they run again on their new owners', async () => {
    const leader = (await Promise.all(replicas.map(async (r) => ({ r, h: await health(r) })))).find((x) => x.h.leader)!.r;
    const survivors = replicas.filter((r) => r !== leader);
    const owned = (await Promise.all(ids.map((id) => status(survivors[0]!, id)))).filter((s) => s.data.project.owner === leader.id).map((s) => s.data.project);
    expect(owned.length).toBeGreaterThan(0);
    const load = new StatusLoad(() => survivors, token, ids);
    // Only the server process dies, not its machine: its projects must not outlive it unsupervised
    // (they used to, and their new owners' runs then died with EADDRINUSE on the same ports).
    await stopReplica(leader, 'SIGKILL');
    await eventually(async () => owned.every((p) => !isRunning(p.pid)), 5000, "the dead replica's projects to end with it (the keeper)");

    const newLeader = await eventually(async () => {
      const views = await Promise.all(survivors.map(health));
      const leaders = views.filter((h) => h.leader);
      return leaders.length === 1 && views.every((h) => h.members.length === 2) ? leaders[0] : undefined;
    }, 30_000, 'a new leader');
    expect(newLeader.replicaId).not.toBe(leader.id);
    const after = await everyProjectReady(survivors[0]);
    await load.stop();
    expect(new Set(after.map((p) => p.owner)).has(leader.id)).toBe(false);
    for (const project of owned) {
      const moved = after.find((p) => p.projectId === project.projectId)!;
      expect(moved.pid).not.toBe(project.pid);
      const logs = await callTool(survivors[0]!, token, 'host.searchLogs', { projectId: project.projectId, query: `"replica ${leader.id} left the cluster"` });
      expect(logs.data.total).toBe(1);
    }
    expect(load.failures).toEqual([]);
    expect(load.calls).toBeGreaterThan(0);
    expect(exactlyOnce()).toEqual(ids.map(() => 1));
    replicas = [...survivors, await startReplica(leader.id, database, leader.port)];
    await eventually(async () => (await Promise.all(replicas.map(health))).every((h) => h.members.length === 3), 20_000, 'rejoined');
  });

  it('rolls every replica (SIGTERM, start again) under load with zero failed calls, each project running exactly once', async () => {
    const load = new StatusLoad(() => replicas, token, ids);
    for (const [index, replica] of [...replicas].entries()) {
      await stopReplica(replica, 'SIGTERM');
      expect(isAlive(replica.child.pid!)).toBe(false);
      const again = await startReplica(replica.id, database, replica.port);
      replicas[index] = again;
      await eventually(() => isReady(again), 20_000, `${replica.id} ready again`);
      await eventually(async () => (await Promise.all(replicas.map(health))).every((h) => h.members.length === 3), 20_000, 'three members again');
    }
    const projects = await everyProjectReady();
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.calls).toBeGreaterThan(20);
    expect(projects.every((p) => replicas.some((r) => r.id === p.owner))).toBe(true);
    expect(exactlyOnce()).toEqual(ids.map(() => 1));
  });

  it('keeps serving with Redis down, keeps events in the outbox while Kafka is down, and survives kill -9 of a non-leader', async () => {
    expect(process.env.DEBUG_HOST_REDIS_URL, 'scripts/services up must provide Redis').toBeTruthy();
    expect(process.env.DEBUG_HOST_KAFKA_BROKERS, 'scripts/services up must provide Kafka').toBeTruthy();
    const views = await Promise.all(replicas.map(health));
    expect(views.every((h) => h.rateLimit === 'redis' && h.events === 'kafka')).toBe(true);
    const db = new pg.Client({ connectionString: database.databaseUrl });
    await db.connect();
    const pending = async () => Number((await db.query('SELECT count(*) AS n FROM platform.outbox WHERE delivered_at IS NULL')).rows[0].n);
    try {
      services('down', 'redis');
      services('down', 'kafka');
      const load = new StatusLoad(() => replicas, token, ids);
      const created = await callTool(replicas[1]!, token, 'host.register', { name: 'while-down', workspace: FIXTURES, command: WEB });
      expect(created.isError).toBe(false);
      await callTool(replicas[2]!, token, 'host.start', { projectId: created.data.projectId });
      ids.push(created.data.projectId);
      await eventually(async () => (await pending()) > 0, 10_000, 'events waiting in the outbox');

      const leader = (await Promise.all(replicas.map(async (r) => ({ r, h: await health(r) })))).find((x) => x.h.leader)!.r;
      const victim = replicas.find((r) => r !== leader)!;
      const survivors = replicas.filter((r) => r !== victim);
      const owned = (await Promise.all(ids.map((id) => status(leader, id)))).filter((x) => x.data.project.owner === victim.id).map((x) => x.data.project);
      await load.stop();
      const load2 = new StatusLoad(() => survivors, token, ids);
      await stopReplica(victim, 'SIGKILL');
      for (const project of owned) try { process.kill(-project.pid, 'SIGKILL'); } catch { /* gone */ }
      const after = await everyProjectReady(leader);
      expect(after.every((p) => survivors.some((r) => r.id === p.owner))).toBe(true);
      expect((await health(leader)).leader).toBe(true);

      services('up', 'kafka');
      services('up', 'redis');
      await eventually(async () => (await pending()) === 0, 60_000, 'the outbox to drain into Kafka');
      await load2.stop();
      expect(load.failures).toEqual([]);
      expect(load2.failures).toEqual([]);
      expect(exactlyOnce()).toEqual(ids.map(() => 1));
      replicas = [...survivors, await startReplica(victim.id, database, victim.port)];
    } finally {
      await db.end();
    }
  });
});
