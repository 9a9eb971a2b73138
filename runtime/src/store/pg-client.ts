import pg from 'pg';
import { isReadTimeout } from './outage.js';
import type { Queryable, SqlClient, TransactionOptions } from './sql-client.js';

const INT8 = 20;
const NUMERIC = 1700;

/** Parses int8 and numeric as numbers, like the PGlite adapter, so rows look the same. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** How long the database may take before a call fails `unavailable` instead of hanging. */
export interface DatabaseTimeouts {
  /** Connecting, and waiting for a free pooled connection. */
  readonly connectTimeoutMs: number;
  /** PostgreSQL cancels a longer statement; a connection that does not answer at all fails READ_TIMEOUT_MARGIN_MS later. */
  readonly statementTimeoutMs: number;
}

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = Object.freeze({ connectTimeoutMs: 5000, statementTimeoutMs: 10_000 });

/** After the statement timeout, the server's own cancel should have answered; past this it cannot. */
const READ_TIMEOUT_MARGIN_MS = 2000;

/** The `pg` settings for these timeouts, for the pool and for single sessions (the leader's). */
export function pgTimeouts(timeouts: DatabaseTimeouts = DEFAULT_DATABASE_TIMEOUTS): Pick<pg.ClientConfig, 'connectionTimeoutMillis' | 'statement_timeout' | 'query_timeout'> {
  return {
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
  };
}

export interface PgClientOptions {
  readonly connectionString: string;
  /** @default 10 */
  readonly max?: number;
  /** @default DEFAULT_DATABASE_TIMEOUTS */
  readonly timeouts?: DatabaseTimeouts;
}

/** PostgreSQL through a `pg` Pool; a transaction holds one checked-out client throughout. */
export class PgClient implements SqlClient {
  readonly engine = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(options: PgClientOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.max ?? 10, types, ...pgTimeouts(options.timeouts) });
    // An idle client that loses its server emits on the pool; a checked-out one (a transaction,
    // or pool.query between checkout and release) emits on itself. The failing query rejects
    // anyway, so both only need a listener, for the client's whole life, or the process dies.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    const res = await this.pool.query(sql, params as unknown[]);
    return { rows: res.rows as T[] };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect();
    const tx: Queryable = {
      async query<R>(sql: string, params: readonly unknown[] = []) {
        const res = await client.query(sql, params as unknown[]);
        return { rows: res.rows as R[] };
      },
    };
    let broken: Error | undefined;
    try {
      await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // A connection that stopped answering would only time out again on ROLLBACK.
      if (isReadTimeout(err)) broken = err as Error;
      else {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // The connection is unusable; drop it from the pool instead of reusing it.
          broken = rollbackErr as Error;
        }
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
