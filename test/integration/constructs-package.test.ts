/**
 * The published shape of `<package>/constructs`: `npm pack` (which builds dist/ through
 * `prepack`), install the tarball in a fresh ESM project next to only cdk8s and constructs,
 * type-check a consumer with strict settings (skipLibCheck off) against the shipped
 * declarations, and run it: it imports { Tenant, DebugHostPlatform } and synthesizes.
 * About a minute (build + install from the npm cache), hence an integration test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'debug-host-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };

const consumer = `
import { App, Chart } from 'cdk8s';
import { DebugHostPlatform, Tenant, type TenantProps, synthPlatform } from '${pkg.name}/constructs';

const chart = new Chart(new App(), 'consumer', { disableResourceNameHashes: true });
const tenant: TenantProps = { name: 'acme', quotas: { containers: 10 } };
new Tenant(chart, 'acme', tenant);
new DebugHostPlatform(chart, 'platform', { environment: 'dev', domain: 'example.com', tenants: [{ name: 'globex' }] });
const objs = chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; spec?: { hard?: Record<string, string> } }[];
const plain = synthPlatform({ environment: 'prod', domain: 'example.com' }, [tenant]);
const quota = objs.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'tenant-acme');
console.log(JSON.stringify({ objects: objs.length, pods: quota?.spec?.hard?.pods, kinds: [...new Set(objs.map((o) => o.kind))].length, plain: plain.length }));
`;

describe('npm pack of the constructs', () => {
  it('installs in a fresh project beside only cdk8s and constructs, type-checks and synthesizes', () => {
    execFileSync('npm', ['pack', '--pack-destination', work, '--loglevel=error'], { cwd: root, stdio: 'pipe' });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    const files = execFileSync('tar', ['tzf', join(work, tarball as string)], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/dist/constructs/index.js');
    expect(files).toContain('package/dist/constructs/index.d.ts');
    expect(files.some((f) => f.includes('/synth/'))).toBe(false);

    const app = join(work, 'consumer');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, tarball as string), `cdk8s@${pkg.dependencies.cdk8s}`, `constructs@${pkg.dependencies.constructs}`],
      { cwd: app, stdio: 'pipe' },
    );
    writeFileSync(join(app, 'index.ts'), consumer);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, types: [], outDir: 'out' }, files: ['index.ts'] }),
    );
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, stdio: 'pipe' });
    const result = JSON.parse(execFileSync(process.execPath, [join(app, 'out', 'index.js')], { cwd: app, encoding: 'utf8' })) as Record<string, number | string>;
    expect(result.pods).toBe('10');
    expect(result.objects).toBeGreaterThan(50);
    expect(result.kinds).toBeGreaterThan(20);
    expect(result.plain).toBeGreaterThan(40);
  }, 600_000);
});
