/**
 * Starts real runtimes for tests: HTTP on an ephemeral port, the process driver, a temp
 * data dir (PGlite) or DATABASE_URL, and MCP clients from the official SDK.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig, type RuntimeConfigInput } from '../../runtime/src/config.js';
import type { Role } from '../../runtime/src/domain/types.js';
import { Runtime, type RuntimeOptions } from '../../runtime/src/runtime.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures/projects');
export const WEB = `"${process.execPath}" ${join(FIXTURES, 'web.mjs')}`;
export const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface ToolResult {
  readonly isError: boolean;
  readonly text: string;
  readonly data: Record<string, any>;
}

export interface TestClient {
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  /** Calls and fails the test on a tool error. */
  ok(name: string, args?: Record<string, unknown>): Promise<Record<string, any>>;
  readonly client: Client;
  close(): Promise<void>;
}

export interface Harness {
  readonly runtime: Runtime;
  readonly url: string;
  readonly dataDir: string;
  token(tenant: string, role: Role): Promise<string>;
  client(tenant: string, role: Role): Promise<TestClient>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * `DEBUG_HOST_TEST_STORE=postgres` (set by the integration config) runs the same suites on
 * the real PostgreSQL of `scripts/services`: each runtime gets a fresh database and role prefix.
 */
async function postgresFor(dataDir: string): Promise<Partial<RuntimeConfigInput>> {
  if (process.env.DEBUG_HOST_TEST_STORE !== 'postgres') return {};
  // One database per data dir, so that a restarted runtime finds its data again.
  return createDatabase(createHash('sha1').update(dataDir).digest('hex').slice(0, 12));
}

/** A database of its own (and role prefix) on the PostgreSQL of `scripts/services`. */
export async function createDatabase(label: string): Promise<{ databaseUrl: string; dbRolePrefix: string }> {
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` before `npm run test:integration`.');
  const name = `dh_${label.replace(/[^a-z0-9_]/g, '_')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), dbRolePrefix: `${name}_` };
}

export async function startRuntime(overrides: Partial<RuntimeConfigInput> = {}, dataDir?: string, options: Pick<RuntimeOptions, 'spanExporter'> = {}): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'debug-host-test-')));
  const config = loadConfig(
    {
      ...(await postgresFor(dir)),
      port: 0,
      dataDir: dir,
      jwtSecret: SECRET,
      logLevel: 'silent',
      stopGraceMs: 2000,
      reapIntervalMs: 200,
      replicaId: 'test-replica',
      ...overrides,
    },
    {},
  );
  // The embedded tier ignores Redis and Kafka variables a shell may carry from `scripts/services up`.
  const env = process.env.DEBUG_HOST_TEST_STORE === 'postgres' ? process.env : {};
  const runtime = await Runtime.create(config, { ...options, env, logger: pino({ level: process.env.DEBUG_HOST_TEST_LOG ?? 'silent' }, pino.destination(2)) });
  await runtime.bootstrap();
  const url = await runtime.start();
  const clients: TestClient[] = [];
  const harness: Harness = {
    runtime,
    url,
    dataDir: dir,
    token: (tenant, role) => runtime.tokens.mint({ tenant, role }),
    async client(tenant, role) {
      const client = await connect(url, await harness.token(tenant, role));
      clients.push(client);
      return client;
    },
    async close(options = {}) {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await runtime.close();
      if (!options.keepData && !dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export async function connect(url: string, token: string): Promise<TestClient> {
  const client = new Client({ name: 'debug-host-tests', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return wrap(client);
}

export function wrap(client: Client): TestClient {
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolResult> => {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
    return { isError: result.isError === true, text, data: (result.structuredContent ?? {}) as Record<string, any> };
  };
  return {
    client,
    call,
    async ok(name, args) {
      const result = await call(name, args);
      if (result.isError) throw new Error(`${name} failed: ${result.text}`);
      return result.data;
    },
    close: () => client.close(),
  };
}

/** Polls until `check` returns a truthy value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
