/**
 * `npm run bench:isolation`: does one tenant flooding the cluster push another tenant's
 * p99 over the target? R replicas (real processes, rate limits in the Redis Cluster of
 * `scripts/services`, the default 50 calls/s and burst 200 per tenant unless flags say
 * otherwise). A victim tenant calls at a steady rate, open loop (each call is sent on
 * schedule, whether or not the previous one answered, so a stall shows in the latencies);
 * a noisy tenant floods with many concurrent MCP clients in tight loops, far over its
 * limit and ignoring retry-after, from a process of its own (bench/lib/flood.ts). The
 * victim is measured without the flood, then with it, in the same run; the victim client's
 * own event-loop delay is reported beside its latencies.
 *
 *   eval "$(scripts/services up)"
 *   npm run bench:isolation -- [--replicas 3] [--seconds 30] [--victim-rate 20] [--noisy-clients 64]
 *                              [--rate-limit 50 --rate-burst 200] [--honor-retry-after] [--flood-nice 10]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { startFlood } from './lib/flood.js';
import { Agent, createTenants, registerProjects, type CallOutcome } from './lib/mcp.js';
import { LoadSampler, Recorder, ratio } from './lib/recorder.js';
import { createDatabase, health, sleep, startReplicas, teardown, runtimeSource, type Replica } from './lib/replicas.js';
import { histogram, round } from './stats.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '30' },
    'victim-rate': { type: 'string', default: '20' },
    'noisy-clients': { type: 'string', default: '64' },
    projects: { type: 'string', default: '10' },
    'rate-limit': { type: 'string' },
    'rate-burst': { type: 'string' },
    'honor-retry-after': { type: 'boolean', default: false },
    'flood-nice': { type: 'string', default: '10' },
  },
});
const REPLICAS = Number(values.replicas);
const PHASE_MS = Number(values.seconds) * 1000;
const VICTIM_RATE = Number(values['victim-rate']);
const NOISY_CLIENTS = Number(values['noisy-clients']);
const PROJECTS = Number(values.projects);
const TARGET_P99_MS = 500;
const env: Record<string, string> = {};
if (values['rate-limit']) env.DEBUG_HOST_RATE_LIMIT_PER_SEC = values['rate-limit'];
if (values['rate-burst']) env.DEBUG_HOST_RATE_LIMIT_BURST = values['rate-burst'];

/** The victim's ordinary calls, in turn. */
function victimCall(agent: Agent, ids: readonly string[], i: number): Promise<CallOutcome> {
  const projectId = ids[i % ids.length]!;
  switch (i % 5) {
    case 0:
      return agent.call('host.status', { projectId });
    case 1:
      return agent.call('host.list', {});
    case 2:
      return agent.call('host.logs', { projectId, limit: 20 });
    case 3:
      return agent.call('host.checkPort', { projectId });
    default:
      return agent.call('host.searchLogs', { query: '"cache cold"' });
  }
}

const lagP99 = (h: ELDHistogram): number => round(h.percentile(99) / 1e6);

/** Open loop: a call every 1/rate seconds for `ms`; waits for the last answers. */
async function steady(agent: Agent, ids: readonly string[], ms: number, rec: Recorder): Promise<number> {
  const began = performance.now();
  const inFlight: Array<Promise<unknown>> = [];
  let maxInFlight = 0;
  let open = 0;
  for (let i = 0; ; i += 1) {
    const at = began + (i * 1000) / VICTIM_RATE;
    if (at - began >= ms) break;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
    open += 1;
    maxInFlight = Math.max(maxInFlight, open);
    inFlight.push(victimCall(agent, ids, i).then((out) => {
      open -= 1;
      // Latency from the scheduled send time, so a late send (a stalled client) counts too.
      rec.add({ ...out, ms: performance.now() - at });
    }));
  }
  await Promise.all(inFlight);
  return maxInFlight;
}

const db = await createDatabase('iso');
const workspace = await mkdtemp(join(tmpdir(), 'bench-isolation-'));
const replicas: Replica[] = await startReplicas(REPLICAS, db, env);
const pool = (): readonly Replica[] => replicas;
const agents: Agent[] = [];
const ids: string[] = [];
let exitCode = 0;
try {
  const admin = await Agent.create('default', 'platform-admin', pool);
  agents.push(admin);
  const [victimId, noisyId] = await createTenants(admin, 'iso', 2, { containers: PROJECTS + 5, ports: PROJECTS + 5 });
  const victim = await Agent.create(victimId!, 'developer', pool);
  const noisyDev = await Agent.create(noisyId!, 'developer', pool);
  agents.push(victim, noisyDev);
  const victimIds = await registerProjects(victim, workspace, PROJECTS);
  const noisyIds = await registerProjects(noisyDev, workspace, PROJECTS);
  ids.push(...victimIds, ...noisyIds);
  for (const projectId of victimIds) await victim.must('host.start', { projectId });
  for (const projectId of noisyIds) await noisyDev.must('host.start', { projectId });
  const views = await Promise.all(replicas.map(health));
  await sleep(5000); // buckets refilled after set-up

  process.stderr.write(`victim alone for ${PHASE_MS / 1000}s at ${VICTIM_RATE}/s\n`);
  const quiet = new Recorder();
  let machine = new LoadSampler(1000);
  const quietLag = monitorEventLoopDelay({ resolution: 10 });
  quietLag.enable();
  const quietInFlight = await steady(victim, victimIds, PHASE_MS, quiet);
  quietLag.disable();
  const quietMachine = machine.stop();

  process.stderr.write(`victim at ${VICTIM_RATE}/s with ${NOISY_CLIENTS} noisy clients flooding\n`);
  const loud = new Recorder();
  const flooding = await startFlood({
    tenant: noisyId!,
    projectIds: noisyIds,
    clients: NOISY_CLIENTS,
    honorRetryAfter: values['honor-retry-after'],
    nice: Number(values['flood-nice']),
    replicas: replicas.map(({ id, port, base, mcpUrl }) => ({ id, port, base, mcpUrl })),
  });
  await sleep(2000); // the flood is at full speed and the noisy bucket empty
  machine = new LoadSampler(1000);
  const floodLag = monitorEventLoopDelay({ resolution: 10 });
  floodLag.enable();
  const t0 = performance.now();
  const floodInFlight = await steady(victim, victimIds, PHASE_MS, loud);
  const floodSeconds = (performance.now() - t0) / 1000;
  floodLag.disable();
  const floodMachine = machine.stop();
  const f = await flooding.stop();

  const q = quiet.summary();
  const l = loud.summary();
  process.stderr.write(`victim latency with the flood (ms):\n${histogram(loud.latencies())}\n`);
  const result = {
    benchmark: 'tenant-isolation',
    runtime: runtimeSource,
    replicas: REPLICAS,
    services: { rateLimit: views[0]?.rateLimit, events: views[0]?.events },
    rateLimit: { perSecond: Number(env.DEBUG_HOST_RATE_LIMIT_PER_SEC ?? 50), burst: Number(env.DEBUG_HOST_RATE_LIMIT_BURST ?? 200), scope: 'per tenant, shared by all replicas' },
    victim: {
      rate: VICTIM_RATE,
      projects: PROJECTS,
      mix: 'host.status, host.list, host.logs, host.checkPort, host.searchLogs in turn; latency from the scheduled send time',
      withoutFlood: { ...q.all, maxInFlight: quietInFlight, clientEventLoopDelayP99Ms: lagP99(quietLag), perTool: q.tools, machine: quietMachine },
      withFlood: { ...l.all, maxInFlight: floodInFlight, clientEventLoopDelayP99Ms: lagP99(floodLag), perTool: l.tools, machine: floodMachine },
    },
    noisy: {
      clients: NOISY_CLIENTS,
      honorsRetryAfter: values['honor-retry-after'],
      processNice: Number(values['flood-nice']),
      calls: f.calls,
      accepted: f.accepted,
      rejected: f.rejected,
      rejectedWithRetryAfter: f.rejectedWithRetryAfter,
      retryAfterMsMedian: f.retryAfterMs.sort((a, b) => a - b)[Math.floor(f.retryAfterMs.length / 2)] ?? null,
      otherErrors: f.other,
      callsPerSecond: round(f.calls / floodSeconds),
      acceptedPerSecond: round(f.accepted / floodSeconds),
    },
    target: { p99Ms: TARGET_P99_MS, aimP99Ms: 200, victimP99WithFloodMs: l.all.p99Ms, pass: l.all.p99Ms < TARGET_P99_MS && l.all.successRate === 1 },
    ratio: { victimP50: ratio(l.all.p50Ms, q.all.p50Ms), victimP99: ratio(l.all.p99Ms, q.all.p99Ms), note: 'with flood / without flood' },
  };
  if (!result.target.pass) exitCode = 1;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await Promise.all(ids.map((projectId, i) => agents[i < PROJECTS ? 1 : 2]?.call('host.stop', { projectId })));
  await Promise.all(agents.map((a) => a.close()));
  const cleanup = await teardown(replicas, db, ids);
  process.stderr.write(`cleanup ${JSON.stringify(cleanup)}\n`);
  if (cleanup.leftoverProjectProcesses > 0) exitCode = 1;
  await rm(workspace, { recursive: true, force: true });
}
process.exit(exitCode);
