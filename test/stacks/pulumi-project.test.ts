/**
 * The project as the Pulumi CLI sees it: Pulumi.yaml runs stacks/index.ts through the Node.js
 * language host (ESM, `--import tsx`, no ts-node), whose loader imports the module and calls
 * its default export. Importing must not create anything (no cloud call at load).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('Pulumi.yaml', () => {
  const project = parse(readFileSync(`${ROOT}Pulumi.yaml`, 'utf8')) as { name: string; runtime: { name: string; options: Record<string, unknown> }; main: string };

  it('names the project whose config keys the stacks read, and points at an existing entry', () => {
    expect(project.name).toBe('debug-host-platform');
    expect(project.runtime).toEqual({ name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx --conditions=@debug-host/source' } });
    expect(existsSync(`${ROOT}${project.main}`)).toBe(true);
    expect(JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).type).toBe('module');
  });

  it('has one Pulumi.<env>.yaml per environment, all in the project namespace', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      const config = (parse(readFileSync(`${ROOT}Pulumi.${env}.yaml`, 'utf8')) as { config: Record<string, unknown> }).config;
      const keys = Object.keys(config).filter((k) => !k.startsWith('aws:'));
      expect(keys.every((k) => k.startsWith('debug-host-platform:'))).toBe(true);
    }
  });

  // Outside the engine, registering any resource throws; so a clean import proves none is created at load.
  it('loads under `node --import tsx` as the language host does: only a default export, a function, nothing registered', async () => {
    const script = `const m = await import(${JSON.stringify(`${ROOT}${project.main}`)}); console.log(JSON.stringify({ keys: Object.keys(m), type: typeof m.default }));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', '--conditions=@debug-host/source', '--input-type=module', '-e', script], { cwd: ROOT }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(JSON.parse(out)).toEqual({ keys: ['default'], type: 'function' });
  }, 120_000);
});
