/**
 * Real replicas for the cluster benchmarks: `debug-host serve` processes on loopback that
 * share one fresh PostgreSQL database (and the Redis Cluster and Kafka of
 * `scripts/services`), so that a benchmark can kill -9 any of them. No mocks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { projectProcessGroups } from '../../test/support/project-processes.js';
import { servingUrl } from '../../test/support/serving-url.js';

/**
 * The runtime the replicas run: this working tree, or BENCH_RUNTIME_DIR (a snapshot such as
 * `git archive HEAD runtime rules package.json tsconfig.json | tar -x -C DIR`, with node_modules
 * linked in and the commit in DIR/.commit), so that edits in progress elsewhere in a shared
 * tree do not change what is measured.
 */
const RUNTIME_DIR = resolve(process.env.BENCH_RUNTIME_DIR ?? resolve(import.meta.dirname, '../..'));
const CLI = join(RUNTIME_DIR, 'runtime/src/cli.ts');
export const runtimeSource = {
  dir: RUNTIME_DIR,
  commit: existsSync(join(RUNTIME_DIR, '.commit')) ? readFileSync(join(RUNTIME_DIR, '.commit'), 'utf8').trim() : 'working tree',
};
export const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

export interface Database {
  readonly name: string;
  readonly databaseUrl: string;
  readonly dbRolePrefix: string;
}

export interface Health {
  readonly replicaId: string;
  readonly leader?: boolean;
  readonly members: string[];
  readonly owned?: number;
  readonly rateLimit?: string;
  readonly events?: string;
}

export interface Replica {
  readonly id: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  readonly mcpUrl: string;
}

/** The services of `scripts/services up` must be in the environment; says how otherwise. */
export function requireServices(): string {
  const admin = process.env.DATABASE_URL;
  if (!admin || !process.env.DEBUG_HOST_REDIS_URL) {
    throw new Error('DATABASE_URL and DEBUG_HOST_REDIS_URL are not set: run `eval "$(scripts/services up)"` first.');
  }
  return admin;
}

/** A fresh database with its own role prefix (roles are server-wide) on the services' PostgreSQL. */
export async function createDatabase(label: string): Promise<Database> {
  const admin = requireServices();
  const name = `dh_b${label}_${Date.now().toString(36).slice(-5)}`.replace(/[^a-z0-9_]/g, '_');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { name, databaseUrl: url.toString(), dbRolePrefix: `${name}_`.slice(0, 16) };
}

/** Drops the database and the tenant roles made for it. */
export async function dropDatabase(db: Database): Promise<void> {
  const client = new pg.Client({ connectionString: requireServices() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [db.dbRolePrefix]);
    for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS "${rolname}"`).catch(() => undefined);
  } finally {
    await client.end();
  }
}

let logDir: string | undefined;
/** Where replica stderr goes (warn level and above), for evidence after a run. */
export async function replicaLogDir(): Promise<string> {
  logDir ??= await mkdtemp(join(tmpdir(), 'bench-replicas-'));
  return logDir;
}

export async function startReplica(id: string, db: Database, port = 0, env: Record<string, string> = {}): Promise<Replica> {
  const log = createWriteStream(join(await replicaLogDir(), `${db.name}-${id}.log`), { flags: 'a' });
  // BENCH_CPU_PROF=<dir>: each replica writes a V8 CPU profile there when it exits cleanly (SIGTERM).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', CLI, 'serve', '--port', String(port), '--replica-id', id, '--log-level', 'warn'], {
    env: { ...process.env, DATABASE_URL: db.databaseUrl, DEBUG_HOST_DB_ROLE_PREFIX: db.dbRolePrefix, DEBUG_HOST_JWT_SECRET: SECRET, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: RUNTIME_DIR,
  });
  child.stderr!.pipe(log);
  const url = await servingUrl(child, (code, out) => new Error(`replica ${id} exited with ${code}: ${out}`));
  const actual = Number(new URL(url).port);
  return { id, child, port: actual, base: `http://127.0.0.1:${actual}`, mcpUrl: `http://127.0.0.1:${actual}/mcp` };
}

export async function stopReplica(replica: Replica, signal: NodeJS.Signals): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise((r) => replica.child.once('exit', r));
  replica.child.kill(signal);
  await exited;
}

export async function health(replica: Replica): Promise<Health | undefined> {
  try {
    return (await (await fetch(`${replica.base}/health`, { signal: AbortSignal.timeout(2000) })).json()) as Health;
  } catch {
    return undefined;
  }
}

export async function isReady(replica: Replica): Promise<boolean> {
  try {
    return (await fetch(`${replica.base}/ready`, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts `n` replicas (the first alone, so only it bootstraps) and, for more than one, waits
 * for one ring of `n` with one leader. On failure it kills what started and drops the database.
 */
export async function startReplicas(n: number, db: Database, env: Record<string, string> = {}): Promise<Replica[]> {
  const started: Replica[] = [];
  try {
    started.push(await startReplica('r1', db, 0, env));
    const rest = await Promise.allSettled(Array.from({ length: n - 1 }, (_, i) => startReplica(`r${i + 2}`, db, 0, env)));
    for (const r of rest) if (r.status === 'fulfilled') started.push(r.value);
    const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (n > 1) {
      await until(async () => {
        const views = await Promise.all(started.map(health));
        return views.every((h) => h?.members.length === n) && views.filter((h) => h?.leader).length === 1;
      }, 30_000, `a ring of ${n} with one leader`);
    }
    return started;
  } catch (error) {
    for (const r of started) r.child.kill('SIGKILL');
    await dropDatabase(db).catch(() => undefined);
    throw error;
  }
}

/** Polls until `check` is truthy; returns the elapsed milliseconds. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<number> {
  const began = performance.now();
  while (performance.now() - began < timeoutMs) {
    if (await check().catch(() => false)) return performance.now() - began;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export { projectProcessGroups };

/** SIGKILLs the process groups of these projects (a dying pod takes its containers with it). */
export function killProjects(projectIds: Iterable<string>): number {
  const groups = projectProcessGroups();
  let killed = 0;
  for (const id of projectIds) {
    for (const pgid of groups.get(id) ?? []) {
      try {
        process.kill(-pgid, 'SIGKILL');
        killed += 1;
      } catch {
        // already gone
      }
    }
  }
  return killed;
}

/** Stops replicas (SIGTERM, then SIGKILL), kills leftovers of these projects, drops the database; returns what was left over. */
export async function teardown(replicas: readonly Replica[], db: Database, projectIds: readonly string[]): Promise<{ leftoverProjectProcesses: number; killedAfterStop: number }> {
  await Promise.all(
    replicas.map(async (r) => {
      const timer = setTimeout(() => r.child.kill('SIGKILL'), 30_000); // a graceful close stops its runs one by one
      await stopReplica(r, 'SIGTERM').catch(() => undefined);
      clearTimeout(timer);
    }),
  );
  const ours = new Set(projectIds);
  await sleep(500);
  const left = [...projectProcessGroups().keys()].filter((id) => ours.has(id));
  const killedAfterStop = killProjects(left);
  await sleep(200);
  const leftoverProjectProcesses = [...projectProcessGroups().keys()].filter((id) => ours.has(id)).length;
  await dropDatabase(db).catch((error: unknown) => process.stderr.write(`could not drop ${db.name}: ${(error as Error).message}\n`));
  return { leftoverProjectProcesses, killedAfterStop };
}
