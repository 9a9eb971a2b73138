/**
 * Three (or more) real replicas, `runtime/src/cli.ts serve` on loopback as the cluster tests
 * start them, on one fresh database. Each replica reaches PostgreSQL through a proxy of its
 * own (test/support/black-hole.ts), so that one replica can be cut from the database while
 * the others keep it; and each keeps its id and port across restarts. The nemesis acts on
 * replicas only through this class: kill -9, SIGTERM, SIGSTOP/SIGCONT, cut/heal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { blackHole, type BlackHole } from '../../support/black-hole.js';
import { servingUrl } from '../../support/serving-url.js';
import type { ChaosDatabase } from './database.js';

/** The runtime the replicas run: this tree, or CHAOS_RUNTIME_DIR (a snapshot, see bench/chaos.ts). */
export const RUNTIME_DIR = resolve(process.env.CHAOS_RUNTIME_DIR ?? resolve(import.meta.dirname, '../../..'));
export const runtimeSource = {
  dir: RUNTIME_DIR,
  commit: existsSync(join(RUNTIME_DIR, '.commit')) ? readFileSync(join(RUNTIME_DIR, '.commit'), 'utf8').trim() : 'working tree',
};
export const SECRET = 'chaos-secret-that-is-long-enough-for-hs256-0123456789';

export interface Replica {
  readonly id: string;
  readonly port: number;
  readonly base: string;
  readonly proxy: BlackHole;
  child?: ChildProcess;
  paused: boolean;
  partitioned: boolean;
}

export interface ClusterOptions {
  readonly database: ChaosDatabase;
  /** Where each replica's stderr (warn and above) goes, appended across restarts. */
  readonly logDir: string;
  /** @default 3 */
  readonly size?: number;
  /** Extra environment for every replica. */
  readonly env?: Record<string, string>;
}

export class Cluster {
  private readonly ready = new Map<string, boolean>();
  private polling = false;
  private poller?: Promise<void>;

  private constructor(
    readonly replicas: Replica[],
    private readonly options: ClusterOptions,
  ) {}

  /** Starts the first replica alone (it bootstraps the store), then the others, and waits for one ring. */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const real = new URL(options.database.databaseUrl);
    const size = options.size ?? 3;
    const ports = await freePorts(size);
    const replicas: Replica[] = [];
    for (let i = 0; i < size; i += 1) {
      const proxy = await blackHole({ host: real.hostname, port: Number(real.port || 5432) });
      replicas.push({ id: `r${i + 1}`, port: ports[i]!, base: `http://127.0.0.1:${ports[i]}`, proxy, paused: false, partitioned: false });
    }
    const cluster = new Cluster(replicas, options);
    process.once('exit', () => cluster.killAllNow());
    try {
      await cluster.launch(replicas[0]!);
      await Promise.all(replicas.slice(1).map((r) => cluster.launch(r)));
      if (!(await cluster.whole(60_000))) throw new Error(`the ${size} replicas did not form one ring with one leader within 60 s (logs in ${options.logDir})`);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    cluster.pollReadiness();
    return cluster;
  }

  replica(id: string): Replica {
    const replica = this.replicas.find((r) => r.id === id);
    if (!replica) throw new Error(`no replica ${id}`);
    return replica;
  }

  /** Started, not killed (a paused or cut replica is alive). */
  isAlive(replica: Replica): boolean {
    return replica.child !== undefined && replica.child.exitCode === null && replica.child.signalCode === null;
  }

  /** The replicas a load balancer polling /ready every 250 ms currently sends calls to. */
  readyReplicas(): Replica[] {
    return this.replicas.filter((r) => this.isAlive(r) && this.ready.get(r.id));
  }

  /** Starts the replica's process (again), with its id, port and proxy. */
  async launch(replica: Replica): Promise<void> {
    if (this.isAlive(replica)) throw new Error(`replica ${replica.id} is already running`);
    const { database, env = {} } = this.options;
    const proxied = new URL(database.databaseUrl);
    proxied.port = String(replica.proxy.port);
    const child = spawn(process.execPath, ['--import', 'tsx', join(RUNTIME_DIR, 'runtime/src/cli.ts'), 'serve', '--port', String(replica.port), '--replica-id', replica.id, '--log-level', 'warn'], {
      cwd: RUNTIME_DIR,
      env: {
        ...process.env,
        DATABASE_URL: proxied.toString(),
        DEBUG_HOST_DB_ROLE_PREFIX: database.dbRolePrefix,
        DEBUG_HOST_JWT_SECRET: SECRET,
        // The clients are not the point here: no tenant rate limit in the way.
        DEBUG_HOST_RATE_LIMIT_PER_SEC: '5000',
        DEBUG_HOST_RATE_LIMIT_BURST: '5000',
        // The checker reads the runs' journal from the outbox after the run: keep every event of it.
        DEBUG_HOST_OUTBOX_RETENTION_MS: String(7 * 24 * 3600 * 1000),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.pipe(createWriteStream(join(this.options.logDir, `${replica.id}.log`), { flags: 'a' }));
    replica.child = child;
    replica.paused = false;
    this.ready.set(replica.id, false);
    await servingUrl(child, (code, out) => new Error(`replica ${replica.id} exited with ${code} before serving: ${out.slice(-500)}`));
  }

  /** Sends a signal and waits for the process to end; SIGKILL after `killAfterMs`. */
  async signalAndWait(replica: Replica, signal: NodeJS.Signals, killAfterMs = 30_000): Promise<void> {
    const child = replica.child;
    if (!child || !this.isAlive(replica)) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    if (replica.paused) child.kill('SIGCONT'); // a stopped process would not act on SIGTERM
    replica.paused = false;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
    this.ready.set(replica.id, false);
  }

  pause(replica: Replica): void {
    replica.child?.kill('SIGSTOP');
    replica.paused = true;
  }

  resume(replica: Replica): void {
    replica.child?.kill('SIGCONT');
    replica.paused = false;
  }

  /** Cuts the replica from PostgreSQL: its connections go silent, new ones hang. */
  partition(replica: Replica): void {
    replica.proxy.swallow();
    replica.partitioned = true;
  }

  heal(replica: Replica): void {
    replica.proxy.heal();
    replica.partitioned = false;
  }

  async health(replica: Replica): Promise<{ members: string[]; leader?: boolean } | undefined> {
    if (!this.isAlive(replica) || replica.paused) return undefined;
    try {
      return (await (await fetch(`${replica.base}/health`, { signal: AbortSignal.timeout(2000) })).json()) as { members: string[]; leader?: boolean };
    } catch {
      return undefined;
    }
  }

  /** Waits until every replica is alive, ready, sees all members, and exactly one leads. */
  async whole(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const views = await Promise.all(this.replicas.map((r) => this.health(r)));
      const ready = await Promise.all(this.replicas.map((r) => isReady(r)));
      if (views.every((h) => h?.members.length === this.replicas.length) && views.filter((h) => h?.leader).length === 1 && ready.every(Boolean)) return true;
      await sleep(250);
    }
    return false;
  }

  /** SIGTERM to every replica at once (each drains and stops its runs), SIGKILL after `killAfterMs`. */
  async stopAll(killAfterMs = 30_000): Promise<void> {
    this.polling = false;
    for (const r of this.replicas) if (r.paused) this.resume(r);
    for (const r of this.replicas) if (r.partitioned) this.heal(r);
    await Promise.all(this.replicas.map((r) => this.signalAndWait(r, 'SIGTERM', killAfterMs)));
    await this.poller;
  }

  async close(): Promise<void> {
    this.killAllNow();
    await Promise.all(this.replicas.map((r) => r.proxy.close()));
  }

  private killAllNow(): void {
    for (const r of this.replicas) {
      if (!this.isAlive(r)) continue;
      r.child!.kill('SIGCONT');
      r.child!.kill('SIGKILL');
    }
  }

  private pollReadiness(): void {
    this.polling = true;
    this.poller = (async () => {
      while (this.polling) {
        await Promise.all(this.replicas.map(async (r) => this.ready.set(r.id, this.isAlive(r) && !r.paused && (await isReady(r)))));
        await sleep(250);
      }
    })();
  }
}

async function isReady(replica: Replica): Promise<boolean> {
  try {
    return (await fetch(`${replica.base}/ready`, { signal: AbortSignal.timeout(500) })).status === 200;
  } catch {
    return false;
  }
}

/**
 * Ports for the replicas below Linux's ephemeral range (32768-60999): a replica started again
 * on its port must not find it taken as the local port of some client connection meanwhile.
 */
async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  // Tenant port ranges are carved upwards from 20000; 30000-32700 stays clear of the few tenants here.
  for (let port = 30_000 + Math.floor(Math.random() * 2000); ports.length < n && port < 32_700; port += 1) {
    if (await canListen(port)) ports.push(port);
  }
  if (ports.length < n) throw new Error('no free ports for the replicas in 30000-32700');
  return ports;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)));
  });
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((done) => {
    if (signal?.aborted) return done();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
  });
