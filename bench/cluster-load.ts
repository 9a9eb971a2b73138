/**
 * `npm run bench:cluster`: P long-running projects over T tenants on R replicas (real
 * processes on the PostgreSQL, Redis Cluster and Kafka of `scripts/services`), then a
 * mixed phase of the other tools; the baseline is the same workload on ONE replica, in
 * the same run. Agents (one MCP SDK client per tenant) spread calls over the replicas.
 * - saturation: each agent issues calls one after another, so T calls are always in
 *   flight: how many calls per second the replicas can serve (latency is then queueing).
 * - paced: the same mix at a fixed rate, scheduled whether or not earlier calls came back
 *   (open loop); latency counts from the scheduled time, so a stall is not hidden by
 *   fewer calls being sent (coordinated omission): the p99 agents see at that load.
 *
 *   eval "$(scripts/services up)"
 *   npm run bench:cluster -- [--projects 1000] [--tenants 100] [--replicas 3] [--mixed-seconds 60]
 *     [--paced-rate 50] [--paced-seconds 60]
 *
 * Prints one JSON object on stdout {cluster, baseline, ratio}; plots go to stderr.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, SLEEPER, createTenants, mapLimit, type CallOutcome } from './lib/mcp.js';
import { LoadSampler, Recorder, ratio, type ToolStats } from './lib/recorder.js';
import { createDatabase, health, projectProcessGroups, startReplicas, teardown, until, runtimeSource, type Replica } from './lib/replicas.js';
import { histogram, round } from './stats.js';

const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '1000' },
    tenants: { type: 'string', default: '100' },
    replicas: { type: 'string', default: '3' },
    'mixed-seconds': { type: 'string', default: '60' },
    'paced-rate': { type: 'string', default: '50' },
    'paced-seconds': { type: 'string', default: '60' },
    'skip-baseline': { type: 'boolean', default: false },
  },
});
const PROJECTS = Number(values.projects);
const TENANTS = Number(values.tenants);
const REPLICAS = Number(values.replicas);
const MIXED_MS = Number(values['mixed-seconds']) * 1000;
const PACED_RATE = Number(values['paced-rate']);
const PACED_MS = Number(values['paced-seconds']) * 1000;
const PER_TENANT = Math.ceil(PROJECTS / TENANTS);
const TARGET_P99_MS = 500;

/** The mixed phase: weights of each operation (a stop is followed by a start of the same project). */
const MIX: ReadonlyArray<[string, number]> = [
  ['host.status', 25],
  ['host.list', 10],
  ['host.logs', 15],
  ['host.searchLogs', 10],
  ['host.checkPort', 15],
  ['host.logStats', 5],
  ['tenant.usage', 5],
  ['host.stop', 15],
];
const MIX_TOTAL = MIX.reduce((n, [, w]) => n + w, 0);

function pick(random: number): string {
  let r = random * MIX_TOTAL;
  for (const [tool, weight] of MIX) if ((r -= weight) < 0) return tool;
  return 'host.status';
}

interface TenantLoad {
  readonly agent: Agent;
  readonly projectIds: string[];
}

/** One operation of the mix for a tenant: usually one call, a stop and a start for host.stop. */
async function operation(tenant: TenantLoad, i: number, add: (outcome: CallOutcome) => CallOutcome): Promise<void> {
  const projectId = tenant.projectIds[Math.floor(Math.random() * tenant.projectIds.length)]!;
  const tool = pick(Math.random());
  switch (tool) {
    case 'host.list':
    case 'host.logStats':
    case 'tenant.usage':
      add(await tenant.agent.call(tool, {}));
      break;
    case 'host.logs':
      add(await tenant.agent.call(tool, { projectId, limit: 50 }));
      break;
    case 'host.searchLogs':
      add(await tenant.agent.call(tool, { query: i % 2 ? '"cache cold"' : 'level:warn listening' }));
      break;
    case 'host.stop': {
      const stopped = add(await tenant.agent.call('host.stop', { projectId }));
      if (stopped.ok) add(await tenant.agent.call('host.start', { projectId }));
      break;
    }
    default:
      add(await tenant.agent.call(tool, { projectId }));
  }
}

/** Saturation: every agent calls again as soon as its last call came back. */
async function mixed(tenant: TenantLoad, rec: Recorder, deadline: number): Promise<void> {
  for (let i = 0; performance.now() < deadline; i += 1) await operation(tenant, i, (o) => rec.add(o));
}

/** Open loop: `rate` operations per second over the tenants in turn, each timed from when it was due. */
async function paced(tenants: readonly TenantLoad[], rec: Recorder, rate: number, durationMs: number): Promise<{ late: number }> {
  const t0 = performance.now();
  const total = Math.floor((rate * durationMs) / 1000);
  const inFlight: Array<Promise<void>> = [];
  let late = 0;
  for (let i = 0; i < total; i += 1) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const lag = performance.now() - due;
    if (lag > 50) late += 1;
    inFlight.push(operation(tenants[i % tenants.length]!, i, (o) => rec.add({ ...o, ms: o.ms + lag })));
  }
  await Promise.all(inFlight);
  return { late };
}

/** Every project of every tenant running and ready, counted through host.list. */
async function runningCount(tenants: readonly TenantLoad[]): Promise<number> {
  const counts = await mapLimit(tenants, 16, async (t) => {
    const out = await t.agent.call('host.list', { state: 'running' });
    const projects = (out.data.projects ?? []) as Array<{ ready?: boolean }>;
    return out.ok ? projects.filter((p) => p.ready).length : 0;
  });
  return counts.reduce((a, b) => a + b, 0);
}

/** Process groups of our projects: how many, and projects with more than one (each should run once). */
function integrity(groups: Map<string, Set<number>>, ours: Set<string>): { groups: number; projectsWithMoreThanOne: number } {
  const mine = [...groups].filter(([id]) => ours.has(id));
  return { groups: mine.reduce((n, [, g]) => n + g.size, 0), projectsWithMoreThanOne: mine.filter(([, g]) => g.size > 1).length };
}

async function workload(replicaCount: number) {
  const label = replicaCount === 1 ? 'base' : 'load';
  process.stderr.write(`\n== ${label}: ${replicaCount} replica(s), ${TENANTS} tenants, ${PER_TENANT * TENANTS} projects\n`);
  const db = await createDatabase(label);
  const workspace = await mkdtemp(join(tmpdir(), 'bench-cluster-'));
  const replicas: Replica[] = await startReplicas(replicaCount, db);
  const pool = (): readonly Replica[] => replicas;
  const agents: Agent[] = [];
  const allIds: string[] = [];
  try {
    const admin = await Agent.create('default', 'platform-admin', pool);
    agents.push(admin);
    let t0 = performance.now();
    const tenantIds = await createTenants(admin, 'bt', TENANTS, { containers: PER_TENANT + 5, ports: PER_TENANT + 5 });
    const tenantCreateSeconds = (performance.now() - t0) / 1000;

    const setup = new Recorder();
    const tenants: TenantLoad[] = await Promise.all(
      tenantIds.map(async (id) => {
        const agent = await Agent.create(id, 'developer', pool);
        agents.push(agent);
        return { agent, projectIds: [] };
      }),
    );
    t0 = performance.now();
    await Promise.all(
      tenants.map(async (t) => {
        for (let i = 0; i < PER_TENANT; i += 1) {
          const out = setup.add(await t.agent.call('host.register', { name: `p${i}`, workspace, ...SLEEPER }));
          if (out.ok) t.projectIds.push(String(out.data.projectId));
        }
      }),
    );
    const registerSeconds = (performance.now() - t0) / 1000;
    allIds.push(...tenants.flatMap((t) => t.projectIds));

    process.stderr.write(`registered ${allIds.length}; starting them\n`);
    const startLoad = new LoadSampler();
    t0 = performance.now();
    await Promise.all(tenants.map(async (t) => {
      for (const projectId of t.projectIds) setup.add(await t.agent.call('host.start', { projectId }));
    }));
    const startSeconds = (performance.now() - t0) / 1000;
    let running = 0;
    const allRunningMs = await until(async () => (running = await runningCount(tenants)) >= allIds.length, 120_000, 'every project running').catch(() => Number.NaN);
    const ours = new Set(allIds);
    const processes = [...projectProcessGroups().keys()].filter((id) => ours.has(id)).length;
    const views = await Promise.all(replicas.map(health));
    const owned = Object.fromEntries(views.map((h, i) => [replicas[i]!.id, h?.owned ?? null]));
    const startMachine = startLoad.stop();
    process.stderr.write(`${running}/${allIds.length} running and ready (${processes} project processes); mixed phase ${MIXED_MS / 1000}s\n`);

    const mix = new Recorder();
    const mixLoad = new LoadSampler();
    t0 = performance.now();
    const deadline = t0 + MIXED_MS;
    await Promise.all(tenants.map((t) => mixed(t, mix, deadline)));
    const mixSeconds = (performance.now() - t0) / 1000;
    const mixMachine = mixLoad.stop();

    process.stderr.write(`paced phase: ${PACED_RATE} operations/s for ${PACED_MS / 1000}s\n`);
    const pace = new Recorder();
    const paceLoad = new LoadSampler();
    const { late } = await paced(tenants, pace, PACED_RATE, PACED_MS);
    const paceMachine = paceLoad.stop();
    const runningAfterMix = await runningCount(tenants);
    const afterMix = integrity(projectProcessGroups(), ours);
    // Recovery appends this reason to a project's log; nothing restarted here, so any is spurious.
    const resumes = await mapLimit(tenants, 16, async (t) => Number((await t.agent.call('host.searchLogs', { query: '"started again after the runtime restarted"' })).data.total ?? 0));

    const stops = new Recorder();
    t0 = performance.now();
    await Promise.all(tenants.map(async (t) => {
      for (const projectId of t.projectIds) stops.add(await t.agent.call('host.stop', { projectId }));
    }));
    const stopSeconds = (performance.now() - t0) / 1000;
    const afterStop = integrity(projectProcessGroups(), ours);

    const mixSummary = mix.summary();
    const paceSummary = pace.summary();
    process.stderr.write(`${label}: saturation latency, all tools (ms):\n${histogram(mix.latencies())}\n`);
    process.stderr.write(`${label}: paced latency, all tools (ms):\n${histogram(pace.latencies())}\n`);
    return {
      replicas: replicaCount,
      tenants: TENANTS,
      projects: allIds.length,
      services: { rateLimit: views[0]?.rateLimit, events: views[0]?.events },
      tenantCreateSeconds: round(tenantCreateSeconds, 2),
      register: { seconds: round(registerSeconds, 2), ...setup.summary().tools['host.register'] },
      start: {
        seconds: round(startSeconds, 2),
        startsPerSecond: round(allIds.length / startSeconds),
        ...setup.summary().tools['host.start'],
        allRunningAndReadyMs: round(allRunningMs),
        runningAndReady: running,
        projectProcesses: processes,
        ownedPerReplica: owned,
        machine: startMachine,
      },
      mixed: {
        seconds: round(mixSeconds, 1),
        callsPerSecond: round(mixSummary.all.calls / mixSeconds),
        successRate: mixSummary.all.successRate,
        all: mixSummary.all,
        perTool: mixSummary.tools,
        runningAndReadyAfter: runningAfterMix,
        processGroups: afterMix,
        resumedWithoutRestartInLogs: resumes.reduce((a, b) => a + b, 0),
        machine: mixMachine,
      },
      paced: {
        operationsPerSecond: PACED_RATE,
        seconds: PACED_MS / 1000,
        sentLateOver50Ms: late,
        successRate: paceSummary.all.successRate,
        all: paceSummary.all,
        perTool: paceSummary.tools,
        machine: paceMachine,
      },
      stopAll: { seconds: round(stopSeconds, 2), ...stops.summary().tools['host.stop'], processGroupsLeftRunning: afterStop },
    };
  } finally {
    await Promise.all(agents.map((a) => a.close()));
    const cleanup = await teardown(replicas, db, allIds);
    process.stderr.write(`${label}: cleanup ${JSON.stringify(cleanup)}\n`);
    if (cleanup.leftoverProjectProcesses > 0) process.exitCode = 1;
    await rm(workspace, { recursive: true, force: true });
  }
}

const cluster = await workload(REPLICAS);
const baseline = values['skip-baseline'] ? undefined : await workload(1);

const p99: Record<string, number> = {};
if (baseline) {
  for (const [tool, s] of Object.entries(cluster.paced.perTool)) {
    const b: ToolStats | undefined = baseline.paced.perTool[tool];
    if (b) p99[tool] = ratio(s.p99Ms, b.p99Ms);
  }
}
const worstP99 = Math.max(...Object.values(cluster.paced.perTool).map((s) => s.p99Ms));
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'cluster-load',
      runtime: runtimeSource,
      project: `${SLEEPER.command} (readiness log /${SLEEPER.readyPattern}/)`,
      agents: `${TENANTS} (one MCP SDK client per tenant, round-robin over the replicas)`,
      mix: Object.fromEntries(MIX),
      target: { p99Ms: TARGET_P99_MS, aimP99Ms: 200, phase: 'paced', clusterWorstToolP99Ms: worstP99, pass: worstP99 < TARGET_P99_MS },
      cluster,
      baseline: baseline ?? null,
      ratio: baseline
        ? {
            note: 'cluster / single-replica baseline; below 1 means the cluster is faster',
            mixedCallsPerSecond: ratio(cluster.mixed.callsPerSecond, baseline.mixed.callsPerSecond),
            mixedP50: ratio(cluster.mixed.all.p50Ms, baseline.mixed.all.p50Ms),
            mixedP99: ratio(cluster.mixed.all.p99Ms, baseline.mixed.all.p99Ms),
            pacedP50: ratio(cluster.paced.all.p50Ms, baseline.paced.all.p50Ms),
            pacedP99: ratio(cluster.paced.all.p99Ms, baseline.paced.all.p99Ms),
            startsPerSecond: ratio(cluster.start.startsPerSecond, baseline.start.startsPerSecond),
            startP99: ratio(cluster.start.p99Ms ?? Number.NaN, baseline.start.p99Ms ?? Number.NaN),
            pacedP99PerTool: p99,
          }
        : null,
    },
    null,
    2,
  )}\n`,
);
process.exit();
