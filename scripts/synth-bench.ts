/**
 * `npm run bench:synth [-- --tenants 1000] [--validate]`
 *
 * Measures synthPlatform for a platform with N tenants (default 1000) against a baseline of
 * 10 tenants measured in the same run: wall time, heap growth and object count, as JSON.
 * With --validate it also times the schema validation of the N-tenant output.
 */
import { performance } from 'node:perf_hooks';
import { ENVIRONMENTS } from '../constructs/environments.js';
import { synthPlatform } from '../constructs/synth.js';
import type { TenantProps } from '../constructs/tenant.js';
import { validateManifests } from './synth-schema.js';

function tenants(n: number): TenantProps[] {
  return Array.from({ length: n }, (_, i) => ({ name: `t${String(i).padStart(5, '0')}` }));
}

function measure(n: number): { tenants: number; objects: number; ms: number; heapMiB: number; msPerTenant: number } {
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const objs = synthPlatform({ ...ENVIRONMENTS.prod, tenants: tenants(n) });
  const ms = performance.now() - t0;
  const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
  return { tenants: n, objects: objs.length, ms: Math.round(ms), heapMiB: Math.round(heapMiB), msPerTenant: Number((ms / n).toFixed(2)) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--tenants');
  const n = i >= 0 ? Number(argv[i + 1]) : 1000;
  measure(10); // warm-up (module loading, JIT)
  const baseline = measure(10);
  const run = measure(n);
  let validateMs: number | undefined;
  if (argv.includes('--validate')) {
    const objs = synthPlatform({ ...ENVIRONMENTS.prod, tenants: tenants(n) });
    const t0 = performance.now();
    const problems = await validateManifests(objs);
    validateMs = Math.round(performance.now() - t0);
    if (problems.length) throw new Error(`${problems.length} invalid objects`);
  }
  console.log(JSON.stringify({
    bench: 'synth-scale',
    node: process.version,
    baseline,
    run,
    ...(validateMs !== undefined ? { validateMs } : {}),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
