/**
 * The store suite on a real PostgreSQL (from `scripts/services up postgres`), twice: as the
 * superuser, and as a plain login role with only CREATEROLE and its own database, the way a
 * production runtime connects. Each run gets fresh databases and a role prefix of its own
 * (roles are cluster-wide), and drops them afterwards.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../runtime/src/store/open-store.js';
import { PLATFORM_MIGRATIONS } from '../../runtime/src/store/migrations.js';
import { storeSuite } from '../runtime/store/store-suite.js';

const url = process.env.DATABASE_URL;

if (!url) {
  describe('store on PostgreSQL', () => {
    it('needs DATABASE_URL', () => {
      throw new Error(
        'DATABASE_URL is not set: start PostgreSQL with `eval "$(scripts/services up postgres)"` and run `npm run test:integration` again.',
      );
    });
  });
} else {
  const run = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
  const databases: string[] = [];
  const prefixes: string[] = [];
  const runtimeRole = `rt_${run}`;

  const withUrl = (db: string, user?: string): string => {
    const u = new URL(url);
    u.pathname = `/${db}`;
    if (user) {
      u.username = user;
      u.password = '';
    }
    return u.toString();
  };

  async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  async function createDatabase(suffix: string, owner?: string): Promise<string> {
    const db = `dh_store_${run}_${suffix}`;
    databases.push(db);
    await admin((c) => c.query(`CREATE DATABASE "${db}"${owner ? ` OWNER "${owner}"` : ''}`));
    return db;
  }

  afterAll(async () => {
    await admin(async (c) => {
      for (const db of databases) await c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
      const { rows } = await c.query<{ rolname: string }>(
        'SELECT rolname FROM pg_roles WHERE ' + prefixes.map((_, i) => `left(rolname, length($${i + 1})) = $${i + 1}`).join(' OR '),
        prefixes,
      );
      for (const r of rows) await c.query(`DROP ROLE "${r.rolname}"`);
      await c.query(`DROP ROLE IF EXISTS "${runtimeRole}"`);
    });
  });

  storeSuite('PostgreSQL (superuser)', {
    async open() {
      const db = await createDatabase('su');
      const rolePrefix = `a${run}_`;
      prefixes.push(rolePrefix);
      return openStore({ databaseUrl: withUrl(db), rolePrefix });
    },
  });

  storeSuite('PostgreSQL (login role with CREATEROLE, not superuser)', {
    async open() {
      await admin((c) => c.query(`CREATE ROLE "${runtimeRole}" LOGIN CREATEROLE`));
      const db = await createDatabase('rt', runtimeRole);
      const rolePrefix = `b${run}_`;
      prefixes.push(rolePrefix);
      const store = await openStore({ databaseUrl: withUrl(db, runtimeRole), rolePrefix });
      const who = await store.client.query<{ u: string; su: boolean }>(
        'SELECT current_user AS u, rolsuper AS su FROM pg_roles WHERE rolname = current_user',
      );
      expect(who.rows[0]).toEqual({ u: runtimeRole, su: false });
      return store;
    },
  });

  describe('openStore on PostgreSQL', () => {
    it('says `unavailable`, naming DATABASE_URL, when the server cannot be reached', async () => {
      const u = new URL(url);
      u.port = '1';
      u.password = 'secret-pw';
      const err = await openStore({ databaseUrl: u.toString() }).then(
        () => undefined,
        (e: unknown) => e as { code?: string; field?: string; message: string },
      );
      expect(err).toMatchObject({ code: 'unavailable', field: 'DATABASE_URL' });
      expect(err?.message).not.toContain('secret-pw');
    });
  });

  describe('migrations on PostgreSQL', () => {
    it('let concurrent runtimes migrate the same database without colliding', async () => {
      const db = await createDatabase('mig');
      const rolePrefix = `c${run}_`;
      prefixes.push(rolePrefix);
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ databaseUrl: withUrl(db), rolePrefix, poolSize: 2 })));
      try {
        const { rows } = await stores[0]!.client.query<{ version: number }>('SELECT version FROM platform.schema_migrations ORDER BY version');
        expect(rows.map((r) => r.version)).toEqual(PLATFORM_MIGRATIONS.map((m) => m.version));
        await Promise.all(stores.map((s) => s.migrate()));
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
}
