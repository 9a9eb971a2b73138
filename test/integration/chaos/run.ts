/**
 * One randomized fault run, Jepsen-style: three replicas on a fresh database, tenants with a
 * few projects each, client loops starting, stopping and restarting them at random while the
 * nemesis kills, pauses, partitions and restarts replicas; a sampler watching the project
 * processes. Then everything heals and settles, each project gets one last operation in
 * quiet, the final states are read, the replicas are stopped, and the history is checked.
 *
 *   const run = await runChaos({ seed: seedFromEnv(), durationMs: 150_000 });
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TokenService } from '../../../runtime/src/tenancy/tokens.js';
import { check, type CheckOptions, type CheckResult } from './checker.js';
import { callTool, clientLoop, perform, someReadyReplica, type Caller } from './client.js';
import { Cluster, SECRET, runtimeSource, sleep } from './cluster.js';
import { createDatabase, dropDatabase } from './database.js';
import { emptyHistory, OperationLog, type FinalStatus, type History, type OpKind, type ProjectInfo } from './history.js';
import { readJournal } from './journal.js';
import { Nemesis, planFaults, type NemesisOptions } from './nemesis.js';
import { PostgresWatch } from './postgres-watch.js';
import { Random } from './prng.js';
import { summarize, type Summary } from './report.js';
import { killProjectGroups, sampleNow, Sampler } from './sampler.js';

export interface ChaosOptions {
  readonly seed: number;
  /** How long the clients and the nemesis run. */
  readonly durationMs: number;
  /** @default 3 */
  readonly tenants?: number;
  /** Half node HTTP servers, half sleepers. @default 3 */
  readonly projectsPerTenant?: number;
  /** Client loops per tenant, over the tenant's projects (so some calls race on one project). @default 2 */
  readonly clientsPerTenant?: number;
  readonly nemesis?: NemesisOptions;
  readonly check?: CheckOptions;
  /** After the replicas are stopped, how long the runtime has to end its processes. @default 5000 */
  readonly orphanWaitMs?: number;
  /** Keep the database for a post-mortem. @default false */
  readonly keepDatabase?: boolean;
  /** @default stderr */
  readonly log?: (line: string) => void;
}

export interface ChaosRun {
  readonly history: History;
  readonly result: CheckResult;
  readonly summary: Summary;
  /** The history as JSON, and the replicas' logs, in this directory. */
  readonly dir: string;
  readonly historyFile: string;
  readonly runtime: typeof runtimeSource;
}

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/projects');
const WEB = { command: `"${process.execPath}" ${join(FIXTURES, 'web.mjs')}`, readiness: 'port' } as const;
const SLEEPER = { command: 'echo "listening on port $PORT"; exec sleep 86400', readiness: 'log', readyPattern: 'listening on port' } as const;
const tokens = new TokenService({ secret: SECRET });

export async function runChaos(options: ChaosOptions): Promise<ChaosRun> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const random = new Random(options.seed);
  const history = emptyHistory(options.seed);
  const dir = await mkdtemp(join(tmpdir(), `chaos-${options.seed}-`));
  log(`chaos: seed ${options.seed} (replay with CHAOS_SEED=${options.seed}); ${Math.round(options.durationMs / 1000)} s of faults; runtime ${runtimeSource.commit} at ${runtimeSource.dir}; logs and history in ${dir}`);
  const database = await createDatabase();
  const watch = new PostgresWatch(history.faults, log);
  watch.start();
  let cluster: Cluster | undefined;
  let sampler: Sampler | undefined;
  const ids = new Set<string>();
  try {
    cluster = await Cluster.start({ database, logDir: dir });
    const caller: Caller = { cluster, log: new OperationLog(history), history };
    const plans = await setUp(caller, options, random, history);
    for (const p of history.projects) ids.add(p.projectId);
    sampler = new Sampler(ids, history.samples);
    sampler.start();

    // The fault phase.
    const plan = planFaults(random.fork('nemesis'), cluster.replicas.map((r) => r.id), Math.ceil(options.durationMs / 3000) + 1, options.nemesis);
    const nemesis = new Nemesis(cluster, plan, history.faults, log, options.nemesis);
    const stopClients = new AbortController();
    const loops = plans.map((plan) => clientLoop(caller, plan, stopClients.signal));
    history.faultsStartedAt = Date.now();
    nemesis.start();
    await sleep(options.durationMs);
    log('chaos: healing; the clients finish the calls they have in flight');
    await nemesis.stop();
    stopClients.abort();
    await Promise.all(loops);
    history.faultsEndedAt = Date.now();

    // Settle: the ring whole, and every indeterminate call past the horizon in which it could still act.
    if (!(await cluster.whole(60_000))) history.notes.push(`${new Date().toISOString()}: the ring was not whole 60 s after the faults ended`);
    await sleep((options.check?.indeterminateHorizonMs ?? 20_000) + 2000);
    const targets = await finalRound(caller, plans, random.fork('final'));
    await converge(caller, plans, targets);
    history.finals = await finalStatuses(caller, plans);
    history.finalSample = sampleNow(ids);
    sampler.stop();

    // Stop every replica, give the runtime time to end what it started, and look for survivors.
    log('chaos: stopping the replicas (SIGTERM, SIGKILL after 30 s)');
    await cluster.stopAll(30_000);
    await sleep(options.orphanWaitMs ?? 5000);
    history.orphanSample = sampleNow(ids);
    history.journal = await readJournal(database.databaseUrl, [...ids]);
  } finally {
    sampler?.stop();
    await watch.stop();
    await cluster?.close();
    const killed = killProjectGroups(ids);
    if (killed) log(`chaos: cleanup killed ${killed} leftover project process group(s)`);
    if (!options.keepDatabase) await dropDatabase(database).catch((error: unknown) => log(`chaos: could not drop ${database.name}: ${(error as Error).message}`));
    await writeFile(join(dir, 'history.json'), JSON.stringify(history));
  }
  const result = check(history, options.check);
  return { history, result, summary: summarize(history, result), dir, historyFile: join(dir, 'history.json'), runtime: runtimeSource };
}

interface TenantPlan {
  readonly name: string;
  readonly tenant: string;
  readonly token: string;
  readonly projectIds: string[];
  readonly random: Random;
}

/** Tenants (as the platform admin), their projects, all started once; returns one plan per client loop. */
async function setUp(caller: Caller, options: ChaosOptions, random: Random, history: History): Promise<TenantPlan[]> {
  const admin = await tokens.mint({ tenant: 'default', role: 'platform-admin', ttl: '6h' });
  const via = caller.cluster.replicas[0]!;
  const plans: TenantPlan[] = [];
  const tenants = options.tenants ?? 3;
  const perTenant = options.projectsPerTenant ?? 3;
  for (let t = 0; t < tenants; t += 1) {
    const tenant = `chaos${String.fromCharCode(97 + t)}`;
    const created = await callTool(via, admin, 'tenant.create', { tenantId: tenant, quotas: { containers: perTenant * 3, ports: perTenant * 3 } });
    if (created.isError) throw new Error(`tenant.create ${tenant}: ${created.text}`);
    const token = await tokens.mint({ tenant, role: 'developer', ttl: '6h', subject: `chaos@${tenant}` });
    const projectIds: string[] = [];
    for (let p = 0; p < perTenant; p += 1) {
      const kind: ProjectInfo['kind'] = p % 2 === 0 ? 'web' : 'sleeper';
      const name = `${kind}-${p}`;
      const registered = await callTool(via, token, 'host.register', { name, workspace: FIXTURES, ...(kind === 'web' ? WEB : SLEEPER) });
      if (registered.isError) throw new Error(`host.register ${tenant}/${name}: ${registered.text}`);
      const projectId = String(registered.data.projectId);
      projectIds.push(projectId);
      history.projects.push({ projectId, tenant, name, kind });
    }
    for (const projectId of projectIds) {
      const started = await perform(caller, { client: 'setup', tenant, token, projectId, kind: 'start' }, random.fork(`setup-${projectId}`));
      if (started.type !== 'ok') throw new Error(`the first host.start of ${tenant}/${projectId} failed: ${JSON.stringify(started)}`);
    }
    for (let c = 0; c < (options.clientsPerTenant ?? 2); c += 1) {
      const name = `${tenant}-c${c}`;
      plans.push({ name, tenant, token, projectIds, random: random.fork(name) });
    }
  }
  return plans;
}

type Target = 'running' | 'stopped';

/** One last acknowledged operation per project, in quiet: restart (to running) or stop. */
async function finalRound(caller: Caller, plans: readonly TenantPlan[], random: Random): Promise<Map<string, Target>> {
  const targets = new Map<string, Target>();
  const seen = new Set<string>();
  const jobs: Array<Promise<void>> = [];
  for (const plan of plans) {
    for (const projectId of plan.projectIds) {
      if (seen.has(projectId)) continue;
      seen.add(projectId);
      const target: Target = random.next() < 0.5 ? 'running' : 'stopped';
      targets.set(projectId, target);
      const intent = (kind: OpKind) => ({ client: 'final', tenant: plan.tenant, token: plan.token, projectId, kind });
      jobs.push(
        (async () => {
          if (target === 'running') {
            await perform(caller, intent('restart'), random.fork(projectId));
            return;
          }
          const stopped = await perform(caller, intent('stop'), random.fork(projectId));
          // Not running (it crashed out, or was stopped): start it, so that the last op is an acknowledged stop.
          if (stopped.type === 'fail' && /is not running/.test(stopped.message)) {
            await perform(caller, intent('start'), random.fork(`${projectId}-start`));
            await perform(caller, intent('stop'), random.fork(`${projectId}-stop`));
          }
        })(),
      );
    }
  }
  await Promise.all(jobs);
  return targets;
}

async function status(caller: Caller, plan: TenantPlan, projectId: string): Promise<FinalStatus> {
  const replica = await someReadyReplica(caller.cluster, plan.random);
  const at = Date.now();
  if (!replica) return { projectId, at, error: 'no replica was ready' };
  try {
    const answer = await callTool(replica, plan.token, 'host.status', { projectId });
    if (answer.isError) return { projectId, at, error: answer.text.slice(0, 300) };
    const p = answer.data.project as { state: string; pid?: number; stopReason?: string; owner?: string };
    return { projectId, at, state: p.state, pid: p.pid, stopReason: p.stopReason, owner: p.owner };
  } catch (error) {
    return { projectId, at, error: (error as Error).message };
  }
}

const byProject = (plans: readonly TenantPlan[]): Map<string, TenantPlan> => new Map(plans.flatMap((plan) => plan.projectIds.map((id) => [id, plan] as const)));

/** Waits (up to 30 s) for every project to reach its target as host.status reports it. */
async function converge(caller: Caller, plans: readonly TenantPlan[], targets: ReadonlyMap<string, Target>): Promise<void> {
  const owners = byProject(plans);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(500)) {
    const statuses = await Promise.all([...targets.keys()].map((id) => status(caller, owners.get(id)!, id)));
    if (statuses.every((s) => s.state === targets.get(s.projectId))) return;
  }
}

async function finalStatuses(caller: Caller, plans: readonly TenantPlan[]): Promise<FinalStatus[]> {
  return Promise.all([...byProject(plans)].map(([id, plan]) => status(caller, plan, id)));
}

