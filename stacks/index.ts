/**
 * `pulumi up` entry (Pulumi.yaml `main`). The Node.js language host imports this module and
 * runs its default export; the returned object becomes the stack outputs.
 *
 * DEBUG_HOST_EXTRA_TENANTS_DIRS (folders separated by ":") adds tenant folders after
 * stacks/tenants/, as `npm run preview:mock -- --tenants-dir` does; the integration tests use
 * it to add a tenant without writing into the repository.
 */
import path from 'node:path';
import { runPlatform } from './program.js';
import { DEFAULT_TENANTS_DIR } from './tenant-loader.js';

const EXTRA_TENANTS_DIRS_ENV = 'DEBUG_HOST_EXTRA_TENANTS_DIRS';

export default function main(): ReturnType<typeof runPlatform> {
  const extra = (process.env[EXTRA_TENANTS_DIRS_ENV] ?? '').split(path.delimiter).filter((d) => d !== '');
  return runPlatform(extra.length === 0 ? {} : { tenantsDirs: [DEFAULT_TENANTS_DIR, ...extra] });
}
