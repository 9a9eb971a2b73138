/**
 * `npm run bench:failover`: R replicas with P running projects; each round kills -9 the
 * leader (and, as a dying pod would, its project processes) and measures the time until a
 * new leader (survivors' /health agree on one leader and R-1 members) and until every
 * moved project runs again, ready, on a new owner; and the calls that failed meanwhile,
 * from a status load through a load balancer that polls /ready every 200 ms. The killed
 * replica is then started again and the next round kills the next leader.
 *
 * Baseline, same run: ONE replica with the same projects, kill -9 it and start it again
 * at once (as a supervisor restarts a process), until its projects run again.
 *
 *   eval "$(scripts/services up)"
 *   npm run bench:failover -- [--projects 300] [--tenants 10] [--replicas 3] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, SLEEPER, createTenants, mapLimit, registerProjects } from './lib/mcp.js';
import { LoadSampler, median } from './lib/recorder.js';
import { createDatabase, health, isReady, killProjects, sleep, startReplica, startReplicas, teardown, until, type Database, runtimeSource, type Replica } from './lib/replicas.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '300' },
    tenants: { type: 'string', default: '10' },
    replicas: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'skip-baseline': { type: 'boolean', default: false },
  },
});
const PROJECTS = Number(values.projects);
const TENANTS = Number(values.tenants);
const REPLICAS = Number(values.replicas);
const ROUNDS = Number(values.rounds);
const PER_TENANT = Math.ceil(PROJECTS / TENANTS);
const TIMEOUT_MS = 120_000;

interface ProjectView {
  projectId: string;
  state: string;
  ready: boolean;
  owner?: string;
}

interface Setup {
  db: Database;
  replicas: Replica[];
  agents: Agent[];
  ids: string[];
  workspace: string;
}

async function setUp(replicaCount: number, label: string): Promise<Setup> {
  const db = await createDatabase(label);
  const workspace = await mkdtemp(join(tmpdir(), 'bench-failover-'));
  const replicas = await startReplicas(replicaCount, db);
  const pool = (): readonly Replica[] => replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
  const admin = await Agent.create('default', 'platform-admin', pool);
  const tenantIds = await createTenants(admin, 'ft', TENANTS, { containers: PER_TENANT + 5, ports: PER_TENANT + 5 });
  await admin.close();
  const agents = await Promise.all(tenantIds.map((id) => Agent.create(id, 'developer', pool)));
  const perTenant = await Promise.all(agents.map((a) => registerProjects(a, workspace, PER_TENANT)));
  await Promise.all(agents.map(async (a, i) => {
    for (const projectId of perTenant[i]!) await a.must('host.start', { projectId });
  }));
  const ids = perTenant.flat();
  const setup = { db, replicas, agents, ids, workspace };
  await until(async () => (await views(setup)).filter((p) => p.state === 'running' && p.ready).length === ids.length, TIMEOUT_MS, 'every project running');
  return setup;
}

/** Every project as the cluster reports it (host.list of each tenant, through any replica up). */
async function views(s: Setup): Promise<ProjectView[]> {
  const lists = await mapLimit(s.agents, 10, async (a) => {
    const out = await a.call('host.list', {});
    if (!out.ok) throw new Error(`host.list: ${out.code}`);
    return (out.data.projects ?? []) as ProjectView[];
  });
  return lists.flat();
}

/** host.status in a loop through the replicas a load balancer currently sees ready; counts failures. */
class StatusLoad {
  private stopped = false;
  private readonly done: Promise<unknown>;
  readonly ready = new Set<Replica>();
  calls = 0;
  readonly failures = new Map<string, number>();

  constructor(s: Setup, concurrency = 4) {
    const poll = async (): Promise<void> => {
      while (!this.stopped) {
        await Promise.all(s.replicas.map(async (r) => ((await isReady(r)) ? this.ready.add(r) : this.ready.delete(r))));
        await sleep(200);
      }
    };
    const worker = async (w: number): Promise<void> => {
      for (let i = w; !this.stopped; i += concurrency) {
        const candidates = s.replicas.filter((r) => this.ready.has(r));
        if (candidates.length === 0) {
          await sleep(50);
          continue;
        }
        const j = i % s.ids.length; // the project and its own tenant's agent
        const out = await s.agents[Math.floor(j / PER_TENANT)]!.call('host.status', { projectId: s.ids[j]! }, candidates[i % candidates.length]);
        this.calls += 1;
        if (!out.ok) this.failures.set(out.code, (this.failures.get(out.code) ?? 0) + 1);
      }
    };
    this.done = Promise.all([poll(), ...Array.from({ length: concurrency }, (_, w) => worker(w))]);
  }

  async stop(): Promise<{ calls: number; failed: number; failures: Record<string, number> }> {
    this.stopped = true;
    await this.done;
    return { calls: this.calls, failed: [...this.failures.values()].reduce((a, b) => a + b, 0), failures: Object.fromEntries(this.failures) };
  }
}

async function clusterRound(s: Setup, n: number) {
  const before = await Promise.all(s.replicas.map(async (r) => ({ r, h: await health(r) })));
  const leader = before.find((x) => x.h?.leader)!.r;
  const survivors = s.replicas.filter((r) => r !== leader);
  const moved = (await views(s)).filter((p) => p.owner === leader.id).map((p) => p.projectId);
  const load = new StatusLoad(s);
  await sleep(500); // the load balancer has seen every replica ready
  const machine = new LoadSampler(1000);
  const t0 = performance.now();
  leader.child.kill('SIGKILL');
  const killedProcesses = killProjects(moved);
  let anyLeaderMs = Number.NaN;
  await until(async () => {
    const hs = await Promise.all(survivors.map(health));
    if (Number.isNaN(anyLeaderMs) && hs.some((h) => h?.leader)) anyLeaderMs = performance.now() - t0;
    return hs.filter((h) => h?.leader).length === 1 && hs.every((h) => h?.members.length === REPLICAS - 1);
  }, TIMEOUT_MS, 'a new leader', 50);
  const newLeaderMs = performance.now() - t0;
  const set = new Set(moved);
  await until(async () => {
    const ps = (await views(s)).filter((p) => set.has(p.projectId));
    return ps.length === moved.length && ps.every((p) => p.state === 'running' && p.ready && p.owner !== leader.id);
  }, TIMEOUT_MS, 'every moved project running again', 100);
  const sinceKill = performance.now() - t0;
  const calls = await load.stop();
  const load1m = machine.stop();
  // Start the killed replica again (same id and port) and wait for a full ring before the next round.
  const index = s.replicas.indexOf(leader);
  s.replicas[index] = await startReplica(leader.id, s.db, leader.port);
  await until(async () => (await Promise.all(s.replicas.map(health))).every((h) => h?.members.length === REPLICAS), TIMEOUT_MS, 'the ring whole again');
  const row = {
    round: n,
    killed: leader.id,
    movedProjects: moved.length,
    killedProjectProcesses: killedProcesses,
    firstLeaderClaimMs: round(anyLeaderMs),
    newLeaderMs: round(newLeaderMs),
    movedRunningAgainMs: round(sinceKill),
    ...calls,
    machine: load1m,
  };
  process.stderr.write(`round ${n}: ${JSON.stringify(row)}\n`);
  return row;
}

async function baselineRound(s: Setup, n: number) {
  const replica = s.replicas[0]!;
  const load = new StatusLoad(s);
  await sleep(500);
  const machine = new LoadSampler(1000);
  const t0 = performance.now();
  await new Promise<void>((r) => {
    replica.child.once('exit', () => r());
    replica.child.kill('SIGKILL');
  });
  const killedProcesses = killProjects(s.ids);
  s.replicas[0] = await startReplica(replica.id, s.db, replica.port);
  const servingMs = performance.now() - t0;
  const runningMs = await until(async () => (await views(s)).filter((p) => p.state === 'running' && p.ready).length === s.ids.length, TIMEOUT_MS, 'every project running again', 100);
  const calls = await load.stop();
  const row = {
    round: n,
    projects: s.ids.length,
    killedProjectProcesses: killedProcesses,
    restartedServingMs: round(servingMs),
    projectsRunningAgainMs: round(servingMs + runningMs),
    ...calls,
    machine: machine.stop(),
  };
  process.stderr.write(`baseline round ${n}: ${JSON.stringify(row)}\n`);
  return row;
}

async function run<T>(replicaCount: number, label: string, round: (s: Setup, n: number) => Promise<T>): Promise<T[]> {
  process.stderr.write(`\n== ${label}: ${replicaCount} replica(s), ${PER_TENANT * TENANTS} projects over ${TENANTS} tenants\n`);
  const s = await setUp(replicaCount, label);
  try {
    const rows: T[] = [];
    for (let n = 1; n <= ROUNDS; n += 1) {
      rows.push(await round(s, n));
      await until(async () => (await views(s)).filter((p) => p.state === 'running' && p.ready).length === s.ids.length, TIMEOUT_MS, 'every project running before the next round');
    }
    return rows;
  } finally {
    await mapLimit(s.ids, 20, (projectId, i) => s.agents[Math.floor(i / PER_TENANT)]!.call('host.stop', { projectId }));
    await Promise.all(s.agents.map((a) => a.close()));
    const cleanup = await teardown(s.replicas, s.db, s.ids);
    process.stderr.write(`${label}: cleanup ${JSON.stringify(cleanup)}\n`);
    if (cleanup.leftoverProjectProcesses > 0) process.exitCode = 1;
    await rm(s.workspace, { recursive: true, force: true });
  }
}

const cluster = await run(REPLICAS, 'fail', clusterRound);
const baseline = values['skip-baseline'] ? [] : await run(1, 'fbase', baselineRound);
const medians = {
  newLeaderMs: median(cluster.map((r) => r.newLeaderMs)),
  movedRunningAgainMs: median(cluster.map((r) => r.movedRunningAgainMs)),
  failedCalls: median(cluster.map((r) => r.failed)),
};
const baseMedian = { projectsRunningAgainMs: median(baseline.map((r) => r.projectsRunningAgainMs)), failedCalls: median(baseline.map((r) => r.failed)) };
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'failover',
      runtime: runtimeSource,
      projects: PER_TENANT * TENANTS,
      tenants: TENANTS,
      project: SLEEPER.command,
      target: { failoverMs: 30_000, aimMs: 10_000, worstMovedRunningAgainMs: Math.max(...cluster.map((r) => r.movedRunningAgainMs)), pass: cluster.every((r) => r.movedRunningAgainMs < 30_000) },
      cluster: { replicas: REPLICAS, rounds: cluster, median: medians },
      baseline: baseline.length ? { replicas: 1, what: 'kill -9 the only replica and its projects, start it again at once', rounds: baseline, median: baseMedian } : null,
      ratio: baseline.length ? { movedRunningAgain: round(medians.movedRunningAgainMs / baseMedian.projectsRunningAgainMs, 2), note: 'cluster failover / single-replica restart (median)' } : null,
    },
    null,
    2,
  )}\n`,
);
process.exit();
