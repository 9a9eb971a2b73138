/**
 * The store factory: PostgreSQL when a database URL is given, else embedded PGlite in
 * `dataDir` (in memory when that is undefined too). The store comes back migrated and ready.
 */
import { mkdirSync } from 'node:fs';
import { DebugHostError } from '../domain/errors.js';
import { codeOf, isConnectTimeout, isDatabaseTimeout } from './outage.js';
import { DEFAULT_DATABASE_TIMEOUTS, PgClient, type DatabaseTimeouts } from './pg-client.js';
import { PgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';
import { TracedSqlClient } from '../tracing/traced-sql-client.js';

export interface OpenStoreOptions extends SqlStoreOptions {
  /** `postgres://...`: use PostgreSQL. @default - PGlite */
  readonly databaseUrl?: string;
  /** PGlite's data directory, created when missing. @default - in memory */
  readonly dataDir?: string;
  /** PostgreSQL pool size. @default 10 */
  readonly poolSize?: number;
  /** @default DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs */
  readonly connectTimeoutMs?: number;
  /** @default DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs */
  readonly statementTimeoutMs?: number;
  /** Every query and transaction a child span of the active one (tracing is on). @default false */
  readonly traced?: boolean;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  let client: SqlClient;
  if (options.databaseUrl) {
    client = new PgClient({ connectionString: options.databaseUrl, max: options.poolSize, timeouts: timeoutsOf(options) });
  } else {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    client = await PgliteClient.open({ dataDir: options.dataDir });
  }
  const store = new SqlStore(options.traced ? new TracedSqlClient(client) : client, options);
  try {
    await store.migrate();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw options.databaseUrl ? unreachable(options.databaseUrl, err, timeoutsOf(options)) : err;
  }
  return store;
}

const timeoutsOf = (options: OpenStoreOptions): DatabaseTimeouts => ({
  connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs,
  statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs,
});

/** Network, auth and missing-database failures: errors that DATABASE_URL, not the code, must fix. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', '28000', '28P01', '3D000']);

function unreachable(databaseUrl: string, err: unknown, timeouts: DatabaseTimeouts): unknown {
  const code = codeOf(err);
  const timedOut = isDatabaseTimeout(err);
  if (!CONNECT_CODES.has(code) && !timedOut) return err;
  let where = 'the database';
  try {
    const u = new URL(databaseUrl);
    where = `${u.hostname}:${u.port || '5432'}${u.pathname}`; // never echo the password
  } catch {
    // An unparsable URL is reported by pg itself; keep the generic wording.
  }
  const why = timedOut
    ? `it did not answer within ${isConnectTimeout(err) ? timeouts.connectTimeoutMs : timeouts.statementTimeoutMs} ms (${(err as Error).message})`
    : `${(err as Error).message} (${code})`;
  return new DebugHostError('unavailable', `Cannot use PostgreSQL at ${where}: ${why}.`, {
    field: 'DATABASE_URL',
    fix: timedOut
      ? 'Check that DATABASE_URL points at a PostgreSQL that is up and reachable from here (a firewall that drops packets looks like this), or raise DEBUG_HOST_DB_CONNECT_TIMEOUT_MS / DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS.'
      : 'Check DATABASE_URL (host, port, user, database), or start a local one with `eval "$(scripts/services up postgres)"`.',
  });
}
