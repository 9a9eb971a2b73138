/**
 * Replicas as real processes on loopback sharing one fresh PostgreSQL database (and the
 * Redis Cluster and Kafka of `scripts/services` when their variables are set), so that
 * tests can kill -9 or SIGTERM any of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { SECRET } from '../runtime/harness.js';
import { projectProcessGroups } from '../support/project-processes.js';
import { servingUrl } from '../support/serving-url.js';

const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');

export interface Replica {
  readonly id: string;
  child: ChildProcess;
  port: number;
  readonly base: string;
}

export async function startReplica(id: string, database: { databaseUrl: string; dbRolePrefix: string }, port = 0, env: Record<string, string> = {}): Promise<Replica> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', String(port), '--replica-id', id, '--log-level', 'warn'], {
    // The load below runs well over the default per-tenant rate limit, which is not under test here.
    env: { ...process.env, DATABASE_URL: database.databaseUrl, DEBUG_HOST_DB_ROLE_PREFIX: database.dbRolePrefix, DEBUG_HOST_JWT_SECRET: SECRET, DEBUG_HOST_RATE_LIMIT_PER_SEC: '5000', DEBUG_HOST_RATE_LIMIT_BURST: '5000', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await servingUrl(child, (code, out) => new Error(`replica ${id} exited with ${code}: ${out}`));
  const actual = Number(new URL(url).port);
  return { id, child, port: actual, base: `http://127.0.0.1:${actual}` };
}

export async function health(replica: Replica): Promise<Record<string, any>> {
  return (await fetch(`${replica.base}/health`, { signal: AbortSignal.timeout(2000) })).json();
}

export async function isReady(replica: Replica): Promise<boolean> {
  try {
    return (await fetch(`${replica.base}/ready`, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

/** One JSON-RPC tools/call over a fresh HTTP request, as a stateless client or proxy does. */
export async function callTool(replica: Replica, token: string, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; text: string; data: Record<string, any> }> {
  const response = await fetch(`${replica.base}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await response.json()) as { result?: { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, any> }; error?: { message: string } };
  if (!body.result) throw new Error(`${name} via ${replica.id}: ${body.error?.message ?? response.status}`);
  return { isError: body.result.isError === true, text: body.result.content.map((c) => c.text).join('\n'), data: body.result.structuredContent ?? {} };
}

export async function stopReplica(replica: Replica, signal: NodeJS.Signals): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) return;
  const exited = new Promise((r) => replica.child.once('exit', r));
  replica.child.kill(signal);
  await exited;
}

export { projectProcessGroups };

/** Calls host.status in a loop through ready replicas, as a load balancer would; counts failures. */
export class StatusLoad {
  private stopped = false;
  private readonly done: Promise<void>;
  readonly failures: string[] = [];
  calls = 0;
  /** Calls answered `unavailable` with a retry hint, then retried. */
  retried = 0;

  constructor(replicas: () => Replica[], token: string, projectIds: readonly string[], concurrency = 4) {
    const ready = new Map<string, boolean>();
    const poll = async (): Promise<void> => {
      while (!this.stopped) {
        await Promise.all(replicas().map(async (r) => ready.set(r.id, await isReady(r))));
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const worker = async (w: number): Promise<void> => {
      let i = w;
      while (!this.stopped) {
        const candidates = replicas().filter((r) => ready.get(r.id));
        if (candidates.length === 0) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const replica = candidates[i % candidates.length]!;
        const projectId = projectIds[i % projectIds.length]!;
        i += concurrency;
        try {
          const result = await this.statusRetrying(replica, token, projectId);
          if (result.isError) this.failures.push(`${replica.id}: ${result.text}`);
        } catch (error) {
          this.failures.push(`${replica.id}: ${(error as Error).message}`);
        }
        this.calls += 1;
      }
    };
    this.done = Promise.all([poll(), ...Array.from({ length: concurrency }, (_, w) => worker(w))]).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  /**
   * As a client should: `unavailable` with `retryAfterMs` (the project's owner could not be
   * reached, so the call ran nowhere) is retried after the hint, for up to 15 s; only a call
   * that never succeeds is a failure.
   */
  private async statusRetrying(replica: Replica, token: string, projectId: string): ReturnType<typeof callTool> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const result = await callTool(replica, token, 'host.status', { projectId });
      const retryAfterMs = result.isError && result.data.error?.code === 'unavailable' ? Number(result.data.error.retryAfterMs) : NaN;
      if (!Number.isFinite(retryAfterMs) || Date.now() + retryAfterMs > deadline) return result;
      this.retried += 1;
      await new Promise((r) => setTimeout(r, retryAfterMs));
    }
  }
}
