/**
 * The 1,000-start burst: N concurrent `host.start` of an echo project through MCP against one
 * replica (a separate `debug-host serve` process), spread over 1 or more tenants, while
 * another tenant (and the bursting tenant itself) keeps reading; beside it, a bare
 * `child_process.spawn` loop of the same command, measured in the same run.
 *
 *   npx tsx bench/start-throughput.ts [--store pglite|postgres] [--tenants 1] [--n 1000] [--replicas 1]
 *
 * `postgres` needs the services (`eval "$(scripts/services up)"`); `pglite` is the embedded
 * default (no Redis, no Kafka). A start answered `overloaded` or `unavailable` is sent again
 * after the `retryAfterMs` it carries, as a client should; transport errors are never retried.
 * Prints one JSON object on stdout (the latency plot goes to stderr).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent, mapLimit } from './lib/mcp.js';
import { createDatabase, dropDatabase, startReplicas, sleep, stopReplica, type Database, type Replica } from './lib/replicas.js';
import { histogram, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    tenants: { type: 'string', default: '1' },
    store: { type: 'string', default: 'pglite' },
    replicas: { type: 'string', default: '1' },
  },
});
const N = Number(values.n);
const TENANTS = Number(values.tenants);
const REPLICAS = Number(values.replicas);
const STORE = values.store === 'postgres' ? 'postgres' : 'pglite';
if (N % TENANTS !== 0) throw new Error(`--n ${N} must be a multiple of --tenants ${TENANTS}`);
if (STORE === 'pglite' && REPLICAS !== 1) throw new Error('--replicas above 1 needs --store postgres (the embedded store is one process)');
const COMMAND = 'echo hello from $PORT';
const MAX_ATTEMPTS = 50;

async function bareLoop(): Promise<{ seconds: number; perSecond: number; p99SpawnMs: number }> {
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: N }, async () => {
      const t0 = performance.now();
      const child = spawn('/bin/sh', ['-c', COMMAND], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PORT: '1' } });
      await once(child, 'spawn');
      latencies.push(performance.now() - t0);
      child.stdout.resume();
      child.stderr.resume();
      await once(child, 'close');
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds: round(seconds, 3), perSecond: round(N / seconds), p99SpawnMs: round(percentile(latencies, 99), 2) };
}

/** Reads in a loop until stopped; returns the latencies of successful calls and the failures. */
function reader(agent: Agent, projectId: string): { stop: () => Promise<{ calls: number; failures: Record<string, number>; p50Ms: number; p99Ms: number; maxMs: number }> } {
  let running = true;
  const ms: number[] = [];
  const failures: Record<string, number> = {};
  const calls = [
    () => agent.call('host.status', { projectId }),
    () => agent.call('host.logs', { projectId, limit: 20 }),
    () => agent.call('host.list', { name: 'p0' }),
  ];
  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const out = await calls[i % calls.length]!();
      if (out.ok) ms.push(out.ms);
      else failures[`${out.tool}: ${out.code}`] = (failures[`${out.tool}: ${out.code}`] ?? 0) + 1;
      await sleep(20);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      ms.sort((a, b) => a - b);
      return { calls: ms.length + Object.values(failures).reduce((a, b) => a + b, 0), failures, p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)), maxMs: round(ms.at(-1) ?? Number.NaN) };
    },
  };
}

async function burst() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-start-'));
  const db: Database = STORE === 'postgres' ? await createDatabase('start') : { name: 'pglite', databaseUrl: '', dbRolePrefix: '' };
  // The embedded default has no Redis or Kafka; the rate limit is off (this measures starts, not the limit).
  const env: Record<string, string> = { DEBUG_HOST_RATE_LIMIT_PER_SEC: '0', DEBUG_HOST_DATA_DIR: dataDir, DEBUG_HOST_REAP_INTERVAL_MS: '600000' };
  if (STORE === 'pglite') Object.assign(env, { DEBUG_HOST_REDIS_URL: '', DEBUG_HOST_KAFKA_BROKERS: '' });
  const replicas: Replica[] = await startReplicas(REPLICAS, db, env);
  try {
    const pool = () => replicas;
    const admin = await Agent.create('default', 'platform-admin', pool);
    const tenants = Array.from({ length: TENANTS }, (_, i) => `burst${String(i).padStart(3, '0')}`);
    const perTenant = N / TENANTS;
    await mapLimit(tenants, 4, (tenantId) =>
      admin.must('tenant.create', { tenantId, quotas: { containers: perTenant, ports: perTenant, ...(TENANTS === 1 ? { portRange: { from: 30_000, to: 30_000 + perTenant - 1 } } : {}) } }),
    );
    await admin.must('tenant.create', { tenantId: 'quiet', quotas: { containers: 2, ports: 2 } });
    const agents = await Promise.all(tenants.map((t) => Agent.create(t, 'developer', pool)));
    const quiet = await Agent.create('quiet', 'developer', pool);
    const quietProject = String((await quiet.must('host.register', { name: 'p0', workspace: dataDir, command: 'echo quiet; exec sleep 3600', readiness: 'none' })).projectId);
    await quiet.must('host.start', { projectId: quietProject });

    const starts: Array<{ agent: Agent; projectId: string }> = [];
    for (const agent of agents) {
      const ids = await mapLimit(Array.from({ length: perTenant }, (_, i) => i), 8, async (i) =>
        String((await agent.must('host.register', { name: `p${i}`, workspace: dataDir, command: COMMAND, readiness: 'none' })).projectId),
      );
      for (const projectId of ids) starts.push({ agent, projectId });
    }

    const others = reader(quiet, quietProject);
    const own = reader(agents[0]!, starts[0]!.projectId);
    const latencies: number[] = [];
    const failures: Record<string, number> = {};
    const samples: Record<string, string> = {};
    let retries = 0;
    const began = performance.now();
    await Promise.all(
      starts.map(async ({ agent, projectId }) => {
        const t0 = performance.now();
        for (let attempt = 1; ; attempt += 1) {
          const out = await agent.call('host.start', { projectId });
          if (out.ok) return void latencies.push(performance.now() - t0);
          const retryable = (out.code === 'overloaded' || out.code === 'unavailable') && out.retryAfterMs !== undefined && attempt < MAX_ATTEMPTS;
          if (!retryable) {
            failures[out.code] = (failures[out.code] ?? 0) + 1;
            samples[out.code] ??= String((out.data.error as { message?: unknown } | undefined)?.message ?? '').slice(0, 300);
            return;
          }
          retries += 1;
          await sleep(out.retryAfterMs!);
        }
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const [otherTenantReads, burstingTenantReads] = await Promise.all([others.stop(), own.stop()]);
    await Promise.all([admin.close(), quiet.close(), ...agents.map((a) => a.close())]);
    latencies.sort((a, b) => a - b);
    return {
      successes: latencies.length,
      failuresByCode: failures,
      failureSamples: samples,
      retriesAfterRetryAfterMs: retries,
      seconds: round(seconds, 3),
      startsPerSecond: round(latencies.length / seconds),
      p50AckMs: round(percentile(latencies, 50)),
      p99AckMs: round(percentile(latencies, 99)),
      maxAckMs: round(latencies.at(-1) ?? Number.NaN),
      otherTenantReads,
      burstingTenantReads,
      latencies,
    };
  } finally {
    await Promise.all(replicas.map((r) => stopReplica(r, 'SIGTERM').catch(() => undefined)));
    if (STORE === 'postgres') await dropDatabase(db).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const base = await bareLoop();
const ours = await burst();
process.stderr.write(`host.start acknowledge latency (N=${N}, ${TENANTS} tenant(s), ${STORE}):\n${histogram(ours.latencies)}\n`);
const { latencies: _latencies, ...debugHost } = ours;
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'start-throughput',
      n: N,
      tenants: TENANTS,
      replicas: REPLICAS,
      store: STORE,
      command: COMMAND,
      rateLimit: 'off (this measures start throughput, not the per-tenant limit)',
      debugHost,
      baseline: { what: 'bare child_process.spawn loop of the same command, N at once, in the bench process', ...base },
      ratio: {
        startsPerSecond: round(debugHost.startsPerSecond / base.perSecond, 3),
        note: 'debug-host starts/s divided by the bare loop\'s (goal: >= 0.5 on postgres, >= 0.3 on pglite)',
        p99AckVsBareLoopPlus1s: round(debugHost.p99AckMs / (base.seconds * 1000 + 1000), 3),
        p99AckNote: 'p99 acknowledge latency divided by (the bare loop\'s time for N + 1 s) (goal: < 1)',
      },
      goals: {
        allSucceeded: debugHost.successes === N,
        otherTenantReadP99Under200Ms: debugHost.otherTenantReads.p99Ms < 200,
        burstingTenantReadP99Under200Ms: debugHost.burstingTenantReads.p99Ms < 200,
      },
    },
    null,
    2,
  )}\n`,
);
