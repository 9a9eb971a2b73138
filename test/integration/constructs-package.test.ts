/**
 * The constructs as another infra repo installs them: `npm pack` of the @debug-host/constructs
 * workspace and of its one dependency, the dependency-free @debug-host/rules (each builds
 * dist/ through `prepack`), installed in a fresh ESM project beside only its peers (cdk8s,
 * constructs, cdk8s-plus-28). A consumer is type-checked with strict settings (skipLibCheck
 * off) against the shipped declarations and run: it imports { Tenant, DebugHostPlatform }
 * and synthesizes, and a bad tenant name is refused by the shared rule. The consumer's
 * node_modules size is printed.
 * About a minute (build + install from the npm cache), hence an integration test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPackages, megabytes } from './packages/installed.js';

const root = resolve(import.meta.dirname, '..', '..');
const work = join(tmpdir(), `debug-host-constructs-pack-${process.pid}`);
afterAll(() => rmSync(work, { recursive: true, force: true }));
const pkg = JSON.parse(readFileSync(join(root, 'constructs', 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const rules = JSON.parse(readFileSync(join(root, 'rules', 'package.json'), 'utf8')) as { name: string; version: string };

const consumer = `
import { App, Chart } from 'cdk8s';
import { DebugHostPlatform, Tenant, type TenantProps, synthPlatform } from '${pkg.name}';
import { TENANT_ID_MAX_LENGTH } from '${rules.name}';

const chart = new Chart(new App(), 'consumer', { disableResourceNameHashes: true });
const tenant: TenantProps = { name: 'acme', quotas: { containers: 10 } };
new Tenant(chart, 'acme', tenant);
new DebugHostPlatform(chart, 'platform', { environment: 'dev', domain: 'example.com', tenants: [{ name: 'globex' }] });
const objs = chart.toJson() as { kind: string; metadata: { name: string; namespace?: string }; spec?: { hard?: Record<string, string> } }[];
const plain = synthPlatform({ environment: 'prod', domain: 'example.com' }, [tenant]);
const quota = objs.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === 'tenant-acme');
let refused = '';
try {
  new Tenant(chart, 'bad', { name: 'x'.repeat(TENANT_ID_MAX_LENGTH + 1) });
} catch (error) {
  refused = (error as Error).message;
}
console.log(JSON.stringify({ objects: objs.length, pods: quota?.spec?.hard?.pods, kinds: [...new Set(objs.map((o) => o.kind))].length, plain: plain.length, refused }));
`;

describe('npm pack of @debug-host/constructs', () => {
  it('installs in a fresh project beside only its peers and @debug-host/rules, type-checks and synthesizes', () => {
    mkdirSync(work, { recursive: true });
    expect(pkg.dependencies).toEqual({ [rules.name]: rules.version });
    execFileSync('npm', ['pack', '--workspace', rules.name, '--workspace', pkg.name, '--pack-destination', work, '--loglevel=error'], { cwd: root, stdio: 'pipe' });
    const packed = (name: string) => join(work, readdirSync(work).find((f) => f.startsWith(`${name.replace('@', '').replace('/', '-')}-`) && f.endsWith('.tgz')) ?? 'missing.tgz');
    const [tarball, rulesTarball] = [packed(pkg.name), packed(rules.name)];
    const list = (t: string) => execFileSync('tar', ['tzf', t], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const files = list(tarball);
    // The rules: compiled only, README beside them.
    const rulesModules = readdirSync(join(root, 'rules')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3));
    expect(rulesModules).toContain('tenant-id');
    const compiled = rulesModules.flatMap((m) => [`package/dist/${m}.d.ts`, `package/dist/${m}.js`]);
    expect(list(rulesTarball).sort()).toEqual(['package/README.md', ...compiled, 'package/package.json'].sort());
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    // Only the compiled constructs: no sources, tests, CRD files or other packages' code.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /crds\/|^package\/(runtime|stacks|policies)\//.test(f))).toEqual([]);

    const app = join(work, 'consumer');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const peers = Object.keys(pkg.peerDependencies).map((name) => `${name}@${pkg.devDependencies[name]}`);
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, rulesTarball, ...peers], { cwd: app, stdio: 'pipe' });

    // What the install brought: the package, its peers and what they bring themselves.
    const installed = installedPackages(join(app, 'node_modules'));
    expect(installed.filter((p) => p.startsWith('@debug-host/'))).toEqual([pkg.name, rules.name]);
    const brought = installed.filter((p) => !p.startsWith('@debug-host/'));
    for (const heavy of ['@pulumi/pulumi', '@electric-sql/pglite', 'kafkajs', '@kubernetes/client-node', 'typescript', 'pg']) expect(brought).not.toContain(heavy);
    const size = megabytes(join(app, 'node_modules'));
    console.log(JSON.stringify({ constructsInstall: { packages: installed.length, megabytes: size, peers } }));

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
    expect(result.refused).toMatch(/^Tenant: invalid prop 'name': "x{41}" is not a valid tenant id: it has 41 characters, more than 40; .* Set name to 'x{40}'\.$/);
  }, 600_000);
});
