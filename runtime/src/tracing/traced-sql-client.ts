/**
 * A SqlClient whose queries and transactions are child spans of the call that made them.
 * The span names the statement's first keyword only: never the SQL's parameters, which carry
 * tenants' data, nor its text (one name per kind keeps traces small and groupable).
 */
import type { Queryable, SqlClient, TransactionOptions } from '../store/sql-client.js';
import { inSpan, SpanKind } from './spans.js';

const DB_SYSTEM = { postgres: 'postgresql', pglite: 'pglite' } as const;

/** `SELECT`, `INSERT`, `WITH`...: the first keyword of the statement, upper case. */
export function operationOf(sql: string): string {
  return /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
}

export class TracedSqlClient implements SqlClient {
  readonly engine: SqlClient['engine'];

  constructor(private readonly inner: SqlClient) {
    this.engine = inner.engine;
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }> {
    return traceQuery(this.engine, this.inner, sql, params);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return inSpan('db.transaction', { dbSystem: DB_SYSTEM[this.engine], operation: options?.readOnly ? 'read-only' : 'read-write' }, () =>
      this.inner.transaction((tx) => fn({ query: (sql, params) => traceQuery(this.engine, tx, sql, params) }), options),
    { kind: SpanKind.CLIENT });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function traceQuery<T>(engine: SqlClient['engine'], on: Queryable, sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }> {
  const dbOperation = operationOf(sql);
  return inSpan(`db.${dbOperation.toLowerCase()}`, { dbSystem: DB_SYSTEM[engine], dbOperation }, () => on.query<T>(sql, params), { kind: SpanKind.CLIENT });
}
