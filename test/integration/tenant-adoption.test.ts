import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../runtime/src/store/sql-store.js';
import { createDatabase } from '../runtime/harness.js';

const DEV = { subject: 'dev', role: 'developer', tenantId: 'acme' } as const;

describe('a tenant whose role and schema the Pulumi stack created first', () => {
  let store: SqlStore;
  let db: pg.Client;
  const prefix = `a${Date.now().toString(36).slice(-6)}_`;

  beforeAll(async () => {
    const { databaseUrl } = await createDatabase(prefix.slice(0, -1));
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // The runtime connects as a plain role, as in production (a superuser is a member of every role).
    const runtimeUser = `${prefix}rt`;
    await db.query(`CREATE ROLE ${runtimeUser} LOGIN CREATEROLE`);
    await db.query(`ALTER DATABASE ${new URL(databaseUrl).pathname.slice(1)} OWNER TO ${runtimeUser}`);
    // What stacks/tenant-stack.ts does with @pulumi/postgresql: a login role, a schema owned
    // by the runtime's user, and the runtime granted membership of the role.
    await db.query(`CREATE ROLE ${prefix}tenant_acme LOGIN PASSWORD 'x'`);
    await db.query(`GRANT ${prefix}tenant_acme TO ${runtimeUser}`);
    await db.query(`CREATE SCHEMA tenant_acme AUTHORIZATION ${runtimeUser}`);
    await db.query(`CREATE ROLE ${prefix}tenant_stale NOLOGIN`);
    const asRuntime = new URL(databaseUrl);
    asRuntime.username = runtimeUser;
    store = await openStore({ databaseUrl: asRuntime.toString(), rolePrefix: prefix });
  });
  afterAll(async () => {
    await store.close();
    await db.end();
  });

  it('adopts them and isolates the tenant as usual', async () => {
    const tenant = await store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
    expect(tenant.id).toBe('acme');
    const project = await store.tenant('acme').registerProject(
      { name: 'web', workspace: '/tmp', command: 'true', cwd: '.', env: {}, readiness: { kind: 'none' }, restart: { maxRestarts: 0, initialBackoffMs: 1, maxBackoffMs: 1 }, idleTimeoutSec: 0 },
      DEV,
    );
    expect((await store.tenant('acme').getProject(project.id))?.name).toBe('web');
    await store.createTenant({ id: 'globex' }, SYSTEM_ACTOR);
    await expect(db.query(`SET ROLE ${prefix}tenant_acme; SELECT * FROM tenant_globex.projects`)).rejects.toThrow(/permission denied/);
    await db.query('RESET ROLE');
  });

  it('refuses a role the runtime cannot switch into, saying what to grant', async () => {
    await expect(store.createTenant({ id: 'stale' }, SYSTEM_ACTOR)).rejects.toThrow(/exists, but the runtime's database user is not a member of it/);
    expect(await store.getTenant('stale')).toBeUndefined();
  });
});
