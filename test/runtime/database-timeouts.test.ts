import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import { blackHole } from '../support/black-hole.js';

/** Fails with a readable message instead of the test timeout when `promise` hangs. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms).unref())]);
}

describe('database timeouts', () => {
  it('defaults to a 5 s connect timeout and a 10 s statement timeout', () => {
    const config = loadConfig({}, {});
    expect([config.dbConnectTimeoutMs, config.dbStatementTimeoutMs]).toEqual([5000, 10_000]);
    const tuned = loadConfig({}, { DEBUG_HOST_DB_CONNECT_TIMEOUT_MS: '1500', DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS: '60000' });
    expect([tuned.dbConnectTimeoutMs, tuned.dbStatementTimeoutMs]).toEqual([1500, 60_000]);
    expect(() => loadConfig({}, { DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS/);
  });

  it('fails to open a store on a black-holed database with unavailable, naming DATABASE_URL, within the connect timeout', async () => {
    const hole = await blackHole();
    try {
      const started = Date.now();
      const opening = openStore({ databaseUrl: `postgres://debug-host@127.0.0.1:${hole.port}/none`, connectTimeoutMs: 300, statementTimeoutMs: 300 });
      await expect(within(5000, opening)).rejects.toMatchObject({ code: 'unavailable', field: 'DATABASE_URL', message: expect.stringMatching(/127\.0\.0\.1:\d+\/none.*did not answer within 300 ms/) });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await hole.close();
    }
  });
});
