/**
 * The few things the store needs from a SQL engine. Two adapters implement it: `PgClient`
 * (PostgreSQL through a `pg` Pool) and `PgliteClient` (embedded PGlite), so the store has
 * one SQL code path for both.
 *
 * Both adapters parse int8 and numeric as JS numbers (counts, sums, bigserial ids all fit),
 * timestamps as Date and json/jsonb as objects. Pass jsonb parameters as JSON strings with a
 * `::jsonb` cast: `pg` would turn a JS array into a Postgres array.
 */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export type Engine = 'postgres' | 'pglite';

export interface TransactionOptions {
  /**
   * BEGIN READ ONLY: the database refuses any write in it. PGlite, one session, runs read-only
   * transactions before the writing ones still waiting, so reads do not queue behind a burst.
   * @default false
   */
  readonly readOnly?: boolean;
}

export interface SqlClient extends Queryable {
  readonly engine: Engine;
  /**
   * Runs `fn` inside BEGIN/COMMIT on one connection; rolls back and rethrows when it throws.
   * PGlite runs one transaction at a time; PostgreSQL runs them concurrently.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** SQLSTATE of a database error (both drivers set `code`), if it is one. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
