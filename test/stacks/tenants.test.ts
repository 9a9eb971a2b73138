import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineTenant, tenantHostname } from '../../stacks/tenant-definition.js';
import { loadTenants, tenantsFor } from '../../stacks/tenant-loader.js';
import { EXTRA_TENANTS_DIR } from './helpers.js';

const DEFINE = new URL('../../stacks/tenant-definition.ts', import.meta.url).pathname;

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

async function tenantDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tenants-'));
  made.push(dir);
  for (const [name, body] of Object.entries(files)) await writeFile(path.join(dir, name), `import { defineTenant } from '${DEFINE}';\n${body}\n`);
  return dir;
}

describe('defineTenant', () => {
  it('validates with the tenant, the field and where to fix it', () => {
    expect(() => defineTenant({ name: 'Acme', owners: ['a@b.co'], environments: ['dev'] })).toThrow(
      'Tenant "Acme": invalid name: "Acme" is not a valid tenant id: it contains "A"; a tenant id is 3-40 characters: lowercase letters, digits and hyphens, ' +
        "starting with a letter and not ending with a hyphen (^[a-z][a-z0-9-]{1,38}[a-z0-9]$); set name to 'acme'. Fix it in stacks/tenants/Acme.ts.",
    );
    expect(() => defineTenant({ name: 'acme', owners: [], environments: ['dev'] })).toThrow('Tenant "acme": invalid owners: list at least one owner. Fix it in stacks/tenants/acme.ts.');
    expect(() => defineTenant({ name: 'acme', owners: ['a@b.co'], environments: ['qa' as 'dev'] })).toThrow(/Tenant "acme": invalid environments\.0: /);
  });

  it('resolves the hostname per environment, defaulting to <name>.<domain>', () => {
    const t = defineTenant({ name: 'globex', owners: ['a@b.co'], environments: ['dev', 'prod'], hostname: { prod: 'gx.example.com' } });
    expect(tenantHostname(t, 'prod', 'example.com')).toBe('gx.example.com');
    expect(tenantHostname(t, 'dev', 'dev.example.com')).toBe('globex.dev.example.com');
  });
});

describe('tenant discovery', () => {
  it('finds every tenant file of stacks/tenants, sorted, and filters by environment', async () => {
    const tenants = await loadTenants();
    expect(tenants.map((t) => t.name)).toEqual(['acme', 'globex']);
    expect(tenantsFor(tenants, 'dev').map((t) => t.name)).toEqual(['acme']);
    expect(tenantsFor(tenants, 'prod').map((t) => t.name)).toEqual(['acme', 'globex']);
  });

  it('adds the tenants of extra folders', async () => {
    const tenants = await loadTenants([new URL('../../stacks/tenants/', import.meta.url).pathname, EXTRA_TENANTS_DIR]);
    expect(tenants.map((t) => t.name)).toEqual(['acme', 'globex', 'initech']);
  });

  it('refuses a file whose name differs from the tenant, a file without defineTenant, and duplicates', async () => {
    const misnamed = await tenantDir({ 'acme.ts': "export default defineTenant({ name: 'acme-corp', owners: ['a@b.co'], environments: ['dev'] });" });
    await expect(loadTenants([misnamed])).rejects.toThrow(`${path.join(misnamed, 'acme.ts')}: declares tenant "acme-corp" but the file is named "acme.ts"; rename the file to "acme-corp.ts" or fix the name.`);
    const plain = await tenantDir({ 'x.ts': 'export default { name: "x" };' });
    await expect(loadTenants([plain])).rejects.toThrow('the default export is not a tenant; write `export default defineTenant({ ... })`.');
    const dup = await tenantDir({ 'acme.ts': "export default defineTenant({ name: 'acme', owners: ['a@b.co'], environments: ['dev'] });" });
    await expect(loadTenants([new URL('../../stacks/tenants/', import.meta.url).pathname, dup])).rejects.toThrow(/Tenant "acme" is declared twice/);
  });
});
