import { PGlite, types } from '@electric-sql/pglite';
import type { Queryable, SqlClient } from './sql-client.js';

export interface PgliteClientOptions {
  /** Directory of the database files; in memory when undefined. @default - in memory */
  readonly dataDir?: string;
}

/**
 * Embedded PGlite. It runs one query at a time, and its `transaction()` holds an exclusive
 * lock for the whole callback, so transactions are serialized (other queries wait).
 */
export class PgliteClient implements SqlClient {
  readonly engine = 'pglite' as const;

  private constructor(private readonly db: PGlite) {}

  static async open(options: PgliteClientOptions = {}): Promise<PgliteClient> {
    const db = await PGlite.create({
      dataDir: options.dataDir,
      parsers: { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) },
    });
    return new PgliteClient(db);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    const res = await this.db.query<T>(sql, params as unknown[]);
    return { rows: res.rows };
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => {
      const tx: Queryable = {
        async query<R>(sql: string, params: readonly unknown[] = []) {
          const res = await t.query<R>(sql, params as unknown[]);
          return { rows: res.rows };
        },
      };
      return fn(tx);
    });
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
