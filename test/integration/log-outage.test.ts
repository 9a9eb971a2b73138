/**
 * No lost log line on a real PostgreSQL: a project prints a burst of numbered lines, and the
 * database is black-holed in the middle of it (a loopback proxy that swallows every packet,
 * in flight and new), with a memory cap small enough that the pending lines spill to disk.
 * Once the route heals, host.logs and host.searchLogs find every line exactly once, in order.
 *
 * The outage is kept under a second: longer, and the replica's owner lease (3 s from its last
 * heartbeat's start, heartbeats 1 s apart) lapses and the run is let go of, by design.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, createDatabase, eventually, startRuntime, type Harness, type TestClient } from '../runtime/harness.js';
import { blackHole, type BlackHole } from '../support/black-hole.js';

const LINES = 3000;
const OUTAGE_MS = 600;
const PENDING_CAP = 100;
/** 5 lines every 5 ms: the burst lasts about 3 s; then the process stays up. */
const BURST = `"${process.execPath}" -e "let i = 0; const t = setInterval(() => { for (let k = 0; k < 5 && i < ${LINES}; k++) console.log('tick ' + ++i); if (i >= ${LINES}) clearInterval(t); }, 5); setInterval(() => {}, 60000)"`;

describe('a log burst while the database is black-holed', () => {
  let proxy: BlackHole;
  let harness: Harness;
  let dev: TestClient;
  let projectId: string;

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` first.');
    const database = await createDatabase(`lo${Date.now().toString(36).slice(-6)}`);
    const real = new URL(process.env.DATABASE_URL);
    proxy = await blackHole({ host: real.hostname, port: Number(real.port || 5432) });
    const proxied = new URL(database.databaseUrl);
    proxied.port = String(proxy.port);
    harness = await startRuntime({
      databaseUrl: proxied.toString(),
      dbRolePrefix: database.dbRolePrefix,
      dbConnectTimeoutMs: 500,
      dbStatementTimeoutMs: 1000,
      logPendingLinesPerProject: PENDING_CAP,
      logFlushTimeoutMs: 1000,
    });
    dev = await harness.client('default', 'developer');
    projectId = (await dev.ok('host.register', { name: 'burst', workspace: FIXTURES, command: BURST, readiness: 'none' })).projectId;
  });
  afterAll(async () => {
    proxy?.heal();
    await harness?.close();
    await proxy?.close();
  });

  const printed = () => harness.runtime.projects.tail(projectId, 1).at(-1)?.seq ?? 0;
  const ticks = Array.from({ length: LINES }, (_, i) => `tick ${i + 1}`);

  it('stores every line exactly once after the route heals', async () => {
    const started = await dev.ok('host.start', { projectId });
    await eventually(async () => printed() >= 300, 10_000, 'the burst to begin');
    proxy.swallow();
    const swallowedAt = printed();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const during = harness.runtime.logs.backlog(projectId);
    proxy.heal();
    const healedAt = Date.now();
    expect(during.memory).toBeLessThanOrEqual(PENDING_CAP);
    expect(during.spilled).toBeGreaterThan(0);

    await eventually(async () => printed() >= LINES, 20_000, 'the burst to end');
    const endedAt = Date.now();
    const logs = await eventually(async () => {
      const result = await dev.call('host.logs', { projectId, search: 'tick ', limit: 5000 });
      return !result.isError && result.data.count === LINES ? result.data : undefined;
    }, 30_000, 'every line to be stored');
    const storedMs = { afterHeal: Date.now() - healedAt, afterBurst: Date.now() - endedAt };
    const lines = logs.lines as Array<{ seq: number; message: string }>;
    expect(lines.map((l) => l.message)).toEqual(ticks);
    expect(lines.every((l, i) => i === 0 || l.seq > lines[i - 1]!.seq)).toBe(true);

    const search = await dev.ok('host.searchLogs', { query: '/^tick [0-9]+$/', projectId, limit: 10 });
    expect(search.total).toBe(LINES);
    expect(search.facets.byProject).toEqual({ burst: LINES });
    for (const n of [1, swallowedAt + 1, Math.floor(LINES / 2), LINES]) {
      const one = await dev.ok('host.searchLogs', { query: `/^tick ${n}$/`, projectId });
      expect(one.results.map((r: { match: { message: string } }) => r.match.message), `tick ${n}`).toEqual([`tick ${n}`]);
    }
    // Still the same run: the outage did not cost the replica its lease.
    expect((await dev.ok('host.status', { projectId })).project).toMatchObject({ state: 'running', pid: started.project.pid });
    const dropped = (await harness.runtime.metrics.logLinesDropped.get()).values.reduce((sum, v) => sum + v.value, 0);
    const spilled = (await harness.runtime.metrics.logLinesSpilled.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(dropped).toBe(0);
    console.log(`[log-outage] ${OUTAGE_MS} ms black hole at line ${swallowedAt}: ${during.memory} lines in memory, ${during.spilled} spilled at heal (${spilled} spilled in all), 0 dropped; all ${LINES} stored ${storedMs.afterHeal} ms after heal, ${storedMs.afterBurst} ms after the burst ended`);
  });
});
