/**
 * First start of a new environment: replicas of `debug-host serve` started at the same moment
 * against one new, empty PostgreSQL database (a Deployment of three on the first `pulumi up`).
 * One of them migrates and creates the bootstrap tenant; the others wait for it or find it
 * done, and all come up. On PostgreSQL no replica writes a token to its output (the log of a
 * container, which many can read); it says how to mint one instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PLATFORM_MIGRATIONS, TENANT_SCHEMA_VERSION } from '../../runtime/src/store/migrations.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import { SECRET, eventually } from '../runtime/harness.js';
import { servingUrl } from '../support/serving-url.js';

const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');
const ROUNDS = 10;
const REPLICAS = 3;
const TOKEN_LIKE = /eyJ[\w-]{8,}|Bearer/;
const url = process.env.DATABASE_URL;
const run = Date.now().toString(36).slice(-6);
const databases: string[] = [];
const children: ChildProcess[] = [];

interface Serve {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  /** The MCP URL it printed, or the reason it exited first. */
  readonly started: Promise<string>;
}

function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  return c.connect().then(() => fn(c).finally(() => c.end()));
}

/** A new, empty database and a role prefix of its own (roles are server-wide). */
async function freshDatabase(label: string): Promise<{ databaseUrl: string; dbRolePrefix: string }> {
  const name = `dh_fs_${run}_${label}`;
  databases.push(name);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(url!);
  u.pathname = `/${name}`;
  return { databaseUrl: u.toString(), dbRolePrefix: `${name}_` };
}

async function dropDatabase(name: string): Promise<void> {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    const { rows } = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [`${name}_`]);
    for (const r of rows) await c.query(`DROP ROLE "${r.rolname}"`);
  });
}

/** `debug-host serve` on its own port, at the default log level, its output kept. */
function serve(id: string, env: Record<string, string>): Serve {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--replica-id', id], {
    env: { ...process.env, DEBUG_HOST_JWT_SECRET: SECRET, DEBUG_HOST_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const started = servingUrl(child, (code) => new Error(`${id} exited with ${code}:\n${stdout}${stderr}`));
  started.catch(() => undefined);
  return { child, started, output: () => ({ stdout, stderr }) };
}

async function ready(mcpUrl: string): Promise<boolean> {
  try {
    return (await fetch(new URL('/ready', mcpUrl), { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

async function facts(databaseUrl: string) {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const q = async (sql: string) => (await c.query(sql)).rows;
    return {
      tenants: await q('SELECT id, schema_version FROM platform.tenants ORDER BY id'),
      audit: await q("SELECT tenant_id, action, target FROM platform.audit WHERE action = 'tenant.create'"),
      events: await q("SELECT tenant_id FROM platform.outbox WHERE type = 'tenant.created'"),
      migrations: await q('SELECT version FROM platform.schema_migrations ORDER BY version'),
    };
  } finally {
    await c.end();
  }
}

afterAll(async () => {
  await Promise.all(children.map(kill));
  if (url) for (const name of databases) await dropDatabase(name).catch(() => undefined);
});

describe.runIf(url)('first start of replicas on an empty PostgreSQL database', () => {
  it(`${REPLICAS} replicas started at once all come up, with one bootstrap tenant, one audit row and one migration run, ${ROUNDS} times over`, async () => {
    const outputs: Array<{ stdout: string; stderr: string }> = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const database = await freshDatabase(`r${round}`);
      const env = { DATABASE_URL: database.databaseUrl, DEBUG_HOST_DB_ROLE_PREFIX: database.dbRolePrefix };
      const replicas = Array.from({ length: REPLICAS }, (_, i) => serve(`r${round}-${i + 1}`, env));
      try {
        const urls = await Promise.all(replicas.map((r) => r.started));
        await eventually(async () => (await Promise.all(urls.map(ready))).every(Boolean), 30_000, `round ${round}: every replica ready`);
        expect(await facts(database.databaseUrl), `round ${round}`).toEqual({
          tenants: [{ id: 'default', schema_version: TENANT_SCHEMA_VERSION }],
          audit: [{ tenant_id: 'default', action: 'tenant.create', target: 'default' }],
          events: [{ tenant_id: 'default' }],
          migrations: PLATFORM_MIGRATIONS.map((m) => ({ version: m.version })),
        });
        outputs.push(...replicas.map((r) => r.output()));
      } finally {
        await Promise.all(replicas.map((r) => kill(r.child)));
        await dropDatabase(databases.at(-1)!);
      }
    }
    for (const { stdout, stderr } of outputs) expect(`${stdout}${stderr}`).not.toMatch(TOKEN_LIKE);
  }, 900_000);

  it('serve writes no token to stdout or stderr: it prints the endpoint and how to mint one', async () => {
    const database = await freshDatabase('t');
    const env = { DATABASE_URL: database.databaseUrl, DEBUG_HOST_DB_ROLE_PREFIX: database.dbRolePrefix, DEBUG_HOST_BOOTSTRAP_TENANT: 'first-team' };
    // The replica that creates the bootstrap tenant, then one that finds it.
    for (const id of ['creator', 'joiner']) {
      const replica = serve(id, env);
      const mcpUrl = await replica.started;
      await eventually(() => ready(mcpUrl), 30_000, `${id} ready`);
      await kill(replica.child);
      const { stdout, stderr } = replica.output();
      expect(stdout).not.toMatch(TOKEN_LIKE);
      expect(stderr).not.toMatch(TOKEN_LIKE);
      expect(stdout).toContain(`serving MCP at ${mcpUrl}`);
      expect(stdout).toContain('debug-host token --tenant first-team --role developer');
    }
    expect((await facts(database.databaseUrl)).tenants).toEqual([{ id: 'first-team', schema_version: TENANT_SCHEMA_VERSION }]);
  }, 120_000);

  it('two databases sharing the server and a role prefix create the same tenant at once: one creates the role, the other adopts it', async () => {
    const a = await freshDatabase('ra');
    const b = await freshDatabase('rb');
    const rolePrefix = `fs${run}_`;
    const stores = await Promise.all([a, b].map((d) => openStore({ databaseUrl: d.databaseUrl, rolePrefix, poolSize: 2 })));
    try {
      for (const id of ['same-one', 'same-two', 'same-three', 'same-four', 'same-five']) {
        const created = await Promise.all(stores.map((s) => s.createTenant({ id }, { subject: 'test', role: 'platform-admin', tenantId: 'system' })));
        expect(created.map((t) => t.id)).toEqual([id, id]);
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await admin(async (c) => {
        const { rows } = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE left(rolname, length($1)) = $1', [rolePrefix]);
        for (const db of [a, b]) await c.query(`DROP DATABASE IF EXISTS "${new URL(db.databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
        for (const r of rows) await c.query(`DROP ROLE "${r.rolname}"`);
      });
    }
  }, 120_000);
});

// Without the service the file fails, naming the fix (never a silent skip).
if (!url) {
  describe('first start on PostgreSQL', () => {
    it('needs DATABASE_URL', () => {
      throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` before `npm run test:integration`.');
    });
  });
}
