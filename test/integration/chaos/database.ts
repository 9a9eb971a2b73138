/**
 * A fresh database (and tenant-role prefix: roles are server-wide) on the PostgreSQL of
 * `scripts/services`, made for one run and dropped after it, as the other integration tests
 * and the benchmarks do.
 */
import pg from 'pg';

export interface ChaosDatabase {
  readonly name: string;
  /** Straight to PostgreSQL (the replicas get theirs through a proxy each). */
  readonly databaseUrl: string;
  readonly dbRolePrefix: string;
}

/** The admin URL of `scripts/services up postgres`; says how to get it otherwise. */
export function adminUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` first.');
  return url;
}

export async function createDatabase(): Promise<ChaosDatabase> {
  // dh_ch + 6 base-36 characters: the role prefix (name + '_') stays within 16 characters.
  const name = `dh_ch${Date.now().toString(36).slice(-6)}`;
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { name, databaseUrl: url.toString(), dbRolePrefix: `${name}_` };
}

/** Drops the database and the tenant roles made for it. */
export async function dropDatabase(db: ChaosDatabase): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${db.name} WITH (FORCE)`);
    const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [db.dbRolePrefix]);
    for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS "${rolname}"`).catch(() => undefined);
  } finally {
    await client.end();
  }
}

/** Whether PostgreSQL answers within a second. */
export async function postgresAnswers(url = adminUrl()): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000, query_timeout: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
