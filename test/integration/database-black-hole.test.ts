/**
 * PostgreSQL behind a route that starts dropping every packet (a loopback proxy turned black
 * hole): calls of a running replica fail `unavailable` within the configured timeouts instead
 * of hanging, on pooled connections and new ones alike, and work again once the route heals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, createDatabase, eventually, startRuntime, type Harness, type TestClient } from '../runtime/harness.js';
import { blackHole, type BlackHole } from '../support/black-hole.js';

const CONNECT_TIMEOUT_MS = 500;
const STATEMENT_TIMEOUT_MS = 1000;
/** The read timeout (statement + 2 s), and slack for a loaded machine. */
const BOUND_MS = STATEMENT_TIMEOUT_MS + 2000 + 2000;

function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref())]);
}

describe('a black-holed database under a running replica', () => {
  let proxy: BlackHole;
  let harness: Harness;
  let dev: TestClient;
  let projectId: string;

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` first.');
    const database = await createDatabase(`bh${Date.now().toString(36).slice(-6)}`);
    const real = new URL(process.env.DATABASE_URL);
    proxy = await blackHole({ host: real.hostname, port: Number(real.port || 5432) });
    const proxied = new URL(database.databaseUrl);
    proxied.port = String(proxy.port);
    harness = await startRuntime({ databaseUrl: proxied.toString(), dbRolePrefix: database.dbRolePrefix, dbConnectTimeoutMs: CONNECT_TIMEOUT_MS, dbStatementTimeoutMs: STATEMENT_TIMEOUT_MS });
    dev = await harness.client('default', 'developer');
    projectId = (await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB })).projectId;
  });
  afterAll(async () => {
    proxy?.heal();
    await harness?.close();
    await proxy?.close();
  });

  it('answers unavailable with a retry hint within the timeouts, then serves again once the route heals', async () => {
    proxy.swallow();
    for (const [tool, args] of [['host.list', {}], ['host.status', { projectId }], ['host.status', { projectId }]] as const) {
      const started = Date.now();
      const answer = await within(15_000, dev.call(tool, args));
      expect(answer.data.error, tool).toMatchObject({ code: 'unavailable', retryAfterMs: 2000, message: expect.stringMatching(/timed out waiting for the debug host's database/) });
      expect(Date.now() - started, `${tool} answered after`).toBeLessThan(BOUND_MS);
    }
    expect((await fetch(harness.url.replace(/\/mcp$/, '/ready'), { signal: AbortSignal.timeout(BOUND_MS) })).status).toBe(503);

    proxy.heal();
    const listed = await eventually(async () => {
      const result = await dev.call('host.list');
      return result.isError ? undefined : result.data;
    }, 20_000, 'calls to work again');
    expect(listed.projects[0]).toMatchObject({ name: 'web' });
  });
});
