import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../runtime/src/store/open-store.js';
import { admin, line, platformAdmin, spec } from './fixtures.js';
import { storeSuite } from './store-suite.js';

storeSuite('PGlite (in memory)', { open: () => openStore() });

describe('store on PGlite with a data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'debug-host-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps tenants, projects, logs and audit across reopen, and migrates idempotently', async () => {
    const first = await openStore({ dataDir: join(dir, 'db') });
    await first.createTenant({ id: 'acme' }, platformAdmin);
    const p = await first.tenant('acme').registerProject(spec('web'), admin('acme'));
    await first.tenant('acme').claimStart(p.id, admin('acme'), 'replica-1');
    await first.tenant('acme').appendLogs([line(p.id, 1, 'hello'), line(p.id, 2, 'world')]);
    // Default role prefix: the tenant role is named like its schema.
    const names = await first.client.query('SELECT schema_name, role_name FROM platform.tenants');
    expect(names.rows).toEqual([{ schema_name: 'tenant_acme', role_name: 'tenant_acme' }]);
    await first.close();

    const second = await openStore({ dataDir: join(dir, 'db') });
    await second.migrate();
    const t = second.tenant('acme');
    expect((await t.getProject(p.id))).toMatchObject({ name: 'web', desired: 'running', state: 'starting', owner: 'replica-1' });
    expect((await t.queryLogs({ limit: 10, order: 'asc' })).map((l) => l.message)).toEqual(['hello', 'world']);
    expect((await t.listAudit(10)).map((a) => a.action)).toEqual(['project.start', 'project.register', 'tenant.create']);
    expect((await second.listDesiredRunning()).map((x) => x.id)).toEqual([p.id]);
    await second.close();
  });
});
