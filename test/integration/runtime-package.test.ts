/**
 * The runtime as its own package: `npm pack` of the @debug-host/runtime workspace and of its
 * workspace dependency @debug-host/rules, installed with their production dependencies only
 * in a fresh project, and its `debug-host` bin started
 * there on the embedded default: it serves /health and /ready. The production closure (its
 * node_modules) is printed; it holds none of the stacks' or the constructs' dependencies.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedPackages, megabytes } from './packages/installed.js';
import { servingUrl } from '../support/serving-url.js';

const root = resolve(import.meta.dirname, '..', '..');
const work = join(tmpdir(), `debug-host-runtime-pack-${process.pid}`);
const pkg = JSON.parse(readFileSync(join(root, 'runtime', 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
const rules = JSON.parse(readFileSync(join(root, 'rules', 'package.json'), 'utf8')) as { name: string; version: string };
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function serve(bin: string, dataDir: string): Promise<string> {
  child = spawn(bin, ['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    env: { ...process.env, DATABASE_URL: '', DEBUG_HOST_JWT_SECRET: 'runtime-package-test-secret-0123456789' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return servingUrl(child, (code, out) => new Error(`debug-host serve exited with ${code}: ${out}`));
}

describe('npm pack of @debug-host/runtime', () => {
  it('installs with its production closure only and its debug-host bin serves', async () => {
    mkdirSync(work, { recursive: true });
    expect(pkg.dependencies[rules.name]).toBe(rules.version);
    execFileSync('npm', ['pack', '--workspace', rules.name, '--workspace', pkg.name, '--pack-destination', work, '--loglevel=error'], { cwd: root, stdio: 'pipe' });
    const packed = (name: string) => join(work, readdirSync(work).find((f) => f.startsWith(`${name.replace('@', '').replace('/', '-')}-`) && f.endsWith('.tgz')) ?? 'missing.tgz');
    const [tarball, rulesTarball] = [packed(pkg.name), packed(rules.name)];
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('package/dist/cli.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, rulesTarball], { cwd: app, stdio: 'pipe' });
    const installed = installedPackages(join(app, 'node_modules'));
    for (const other of ['@pulumi/pulumi', '@pulumi/aws', 'cdk8s', 'cdk8s-plus-28', 'typescript', 'tsx', 'esbuild']) expect(installed).not.toContain(other);
    expect(installed.filter((p) => p.startsWith('@debug-host/'))).toEqual([rules.name, pkg.name]);
    console.log(JSON.stringify({ runtimeClosure: { packages: installed.length, megabytes: megabytes(join(app, 'node_modules')) } }));

    const bin = join(app, 'node_modules', '.bin', 'debug-host');
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    const url = new URL(await serve(bin, join(work, 'data')));
    for (const path of ['/health', '/ready']) {
      const res = await fetch(new URL(path, url));
      expect(res.status, path).toBe(200);
    }
  }, 600_000);
});
