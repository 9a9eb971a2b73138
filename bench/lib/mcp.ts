/**
 * MCP clients of the official SDK for the benchmarks: one `Agent` per tenant and role holds
 * a connected client per replica and spreads calls over the replicas it is told are up, as
 * a load balancer in front of them would. Every call is timed and classified.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Role } from '../../runtime/src/domain/types.js';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { SECRET, type Replica } from './replicas.js';

const tokens = new TokenService({ secret: SECRET });

export const mint = (tenant: string, role: Role): Promise<string> => tokens.mint({ tenant, role, ttl: '6h', subject: `bench@${tenant}` });

export interface CallOutcome {
  readonly tool: string;
  readonly ok: boolean;
  readonly ms: number;
  /** `ok`, the tool error code (`rate_limited`, `not_found`...) or `transport: <message>`. */
  readonly code: string;
  readonly data: Record<string, unknown>;
  readonly retryAfterMs?: number;
  readonly replica: string;
}

export class Agent {
  private readonly clients = new Map<string, Promise<Client>>();
  private next = 0;

  private constructor(
    readonly tenant: string,
    private readonly token: string,
    /** The replicas calls may go to; read at each call, so a caller can drop a dead one. */
    private readonly pool: () => readonly Replica[],
  ) {}

  static async create(tenant: string, role: Role, pool: () => readonly Replica[]): Promise<Agent> {
    return new Agent(tenant, await mint(tenant, role), pool);
  }

  private client(replica: Replica): Promise<Client> {
    const key = `${replica.id}@${replica.port}`;
    let client = this.clients.get(key);
    if (!client) {
      client = (async () => {
        const c = new Client({ name: 'debug-host-bench', version: '1.0.0' });
        await c.connect(new StreamableHTTPClientTransport(new URL(replica.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${this.token}` } } }));
        return c;
      })();
      client.catch(() => this.clients.delete(key));
      this.clients.set(key, client);
    }
    return client;
  }

  /** Calls a tool on the next replica of the pool (or the given one); never throws. */
  async call(tool: string, args: Record<string, unknown>, on?: Replica): Promise<CallOutcome> {
    const pool = this.pool();
    const replica = on ?? pool[this.next++ % Math.max(1, pool.length)];
    const t0 = performance.now();
    if (!replica) return { tool, ok: false, ms: 0, code: 'transport: no replica up', data: {}, replica: '-' };
    try {
      const result = await (await this.client(replica)).callTool({ name: tool, arguments: args }, undefined, { timeout: 60_000 });
      const ms = performance.now() - t0;
      const data = (result.structuredContent ?? {}) as Record<string, unknown>;
      if (!result.isError) return { tool, ok: true, ms, code: 'ok', data, replica: replica.id };
      const error = (data.error ?? {}) as { code?: string; retryAfterMs?: number };
      return { tool, ok: false, ms, code: error.code ?? 'error', data, retryAfterMs: error.retryAfterMs, replica: replica.id };
    } catch (error) {
      const cause = (error as Error & { cause?: { code?: string } }).cause;
      const message = `${(error as Error).message}${cause?.code ? ` (${cause.code})` : ''}`.replace(/\d{2,}/g, 'N').slice(0, 120);
      return { tool, ok: false, ms: performance.now() - t0, code: `transport: ${message}`, data: {}, replica: replica.id };
    }
  }

  /** Like `call`, but throws on failure: for setup steps that must succeed. */
  async must(tool: string, args: Record<string, unknown>, on?: Replica): Promise<Record<string, unknown>> {
    const out = await this.call(tool, args, on);
    if (!out.ok) throw new Error(`${tool} for ${this.tenant} failed: ${out.code} ${JSON.stringify(out.data).slice(0, 300)}`);
    return out.data;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map(async (c) => (await c.catch(() => undefined))?.close().catch(() => undefined)));
  }
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

/**
 * A long-lived project that costs next to nothing: it prints a ready line and a warning,
 * then `exec`s sleep (one process, ~1 MiB). A node HTTP server per project would be
 * ~40 MiB and a share of 2 cores each: 1,000 of them do not fit this machine.
 */
export const SLEEPER = {
  command: 'echo "listening on port $PORT"; echo "warning: cache cold" >&2; exec sleep 86400',
  readiness: 'log',
  readyPattern: 'listening on port',
} as const;

/** Creates tenants through `tenant.create` as a platform admin, a few at a time; returns their ids. */
export async function createTenants(admin: Agent, prefix: string, count: number, quotas: Record<string, number>): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  await mapLimit(ids, 4, (tenantId) => admin.must('tenant.create', { tenantId, quotas }));
  return ids;
}

/** Registers `n` sleeper projects for a tenant; returns their ids. */
export async function registerProjects(agent: Agent, workspace: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) {
    const data = await agent.must('host.register', { name: `p${i}`, workspace, ...SLEEPER });
    ids.push(String(data.projectId));
  }
  return ids;
}
