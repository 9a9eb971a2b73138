/**
 * Finds the tenants: every `*.ts` file of the tenants folders whose default export is a
 * `defineTenant(...)`, sorted by name. No registry to edit: a new file is a new tenant.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Environment } from './config.js';
import { isTenantDefinition, type TenantDefinition } from './tenant-definition.js';

/** `stacks/tenants/`. */
export const DEFAULT_TENANTS_DIR = fileURLToPath(new URL('./tenants/', import.meta.url));

function isTenantFile(file: string): boolean {
  return file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('_') && file !== 'index.ts';
}

/** Loads every tenant file of `dirs` (later folders add tenants; a name twice is an error). */
export async function loadTenants(dirs: readonly string[] = [DEFAULT_TENANTS_DIR]): Promise<TenantDefinition[]> {
  const byName = new Map<string, { tenant: TenantDefinition; file: string }>();
  for (const dir of dirs) {
    const files = (await readdir(dir)).filter(isTenantFile).sort();
    for (const file of files) {
      const full = path.join(dir, file);
      const mod = (await import(pathToFileURL(full).href)) as { default?: unknown };
      const tenant = mod.default;
      if (!isTenantDefinition(tenant)) {
        throw new Error(`${full}: the default export is not a tenant; write \`export default defineTenant({ ... })\`.`);
      }
      const expected = path.basename(file, '.ts');
      if (tenant.name !== expected) {
        throw new Error(`${full}: declares tenant "${tenant.name}" but the file is named "${file}"; rename the file to "${tenant.name}.ts" or fix the name.`);
      }
      const previous = byName.get(tenant.name);
      if (previous !== undefined) {
        throw new Error(`Tenant "${tenant.name}" is declared twice (${previous.file} and ${full}); remove one.`);
      }
      byName.set(tenant.name, { tenant, file: full });
    }
  }
  return [...byName.values()].map((e) => e.tenant).sort((a, b) => a.name.localeCompare(b.name));
}

/** The tenants that exist in `environment`. */
export function tenantsFor(tenants: readonly TenantDefinition[], environment: Environment): TenantDefinition[] {
  return tenants.filter((t) => t.environments.includes(environment));
}
