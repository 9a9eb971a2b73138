/**
 * The store factory: PostgreSQL when a database URL is given, else embedded PGlite in
 * `dataDir` (in memory when that is undefined too). The store comes back migrated and ready.
 */
import { mkdirSync } from 'node:fs';
import { PgClient } from './pg-client.js';
import { PgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';
import { SqlStore, type SqlStoreOptions } from './sql-store.js';

export interface OpenStoreOptions extends SqlStoreOptions {
  /** `postgres://...`: use PostgreSQL. @default - PGlite */
  readonly databaseUrl?: string;
  /** PGlite's data directory, created when missing. @default - in memory */
  readonly dataDir?: string;
  /** PostgreSQL pool size. @default 10 */
  readonly poolSize?: number;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<SqlStore> {
  let client: SqlClient;
  if (options.databaseUrl) {
    client = new PgClient({ connectionString: options.databaseUrl, max: options.poolSize });
  } else {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
    client = await PgliteClient.open({ dataDir: options.dataDir });
  }
  const store = new SqlStore(client, options);
  try {
    await store.migrate();
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  return store;
}
