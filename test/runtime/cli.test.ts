import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { SECRET, startRuntime, type Harness } from './harness.js';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');
const TSX = resolve(import.meta.dirname, '../../node_modules/.bin/tsx');
// DATABASE_URL would switch the CLI to PostgreSQL; these tests are about the embedded defaults.
const cli = (args: string[], env: Record<string, string> = {}) => run(TSX, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '', ...env } });

describe('debug-host command line', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startRuntime();
  });
  afterAll(() => harness.close());

  it.each(['serve', 'stdio', 'token', 'tenant', 'cluster'])('%s --help explains its options', async (command) => {
    const { stdout } = await cli([command, '--help']);
    expect(stdout).toMatch(new RegExp(`^Usage: debug-host ${command}`));
  });

  it('lists its commands and refuses unknown ones', async () => {
    expect((await cli(['--help'])).stdout).toMatch(/serve[\s\S]+stdio[\s\S]+token[\s\S]+tenant/);
    await expect(cli(['launch'])).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/Unknown command 'launch'/) });
  });

  it('mints a token the runtime accepts, from the data dir secret', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cli-token-'));
    const { stdout } = await cli(['token', '--tenant', 'acme', '--role', 'viewer', '--ttl', '10m', '--data-dir', dataDir]);
    const { stdout: again } = await cli(['token', '--tenant', 'acme', '--role', 'viewer', '--data-dir', dataDir]);
    expect(stdout.trim()).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
    const { readFile } = await import('node:fs/promises');
    const secret = (await readFile(join(dataDir, 'jwt-secret'), 'utf8')).trim();
    const principal = await new TokenService({ secret }).verify(stdout.trim());
    expect(principal).toMatchObject({ tenantId: 'acme', role: 'viewer' });
    expect(await new TokenService({ secret }).verify(again.trim())).toMatchObject({ tenantId: 'acme' });
    await expect(cli(['token', '--tenant', 'acme', '--role', 'owner'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--role must be one of viewer, developer, admin, platform-admin/) });
  });

  it('serve on the embedded store prints a developer token of the bootstrap tenant and a pasteable client config', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cli-serve-'));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      env: { ...process.env, DATABASE_URL: '', DEBUG_HOST_JWT_SECRET: SECRET, DEBUG_HOST_BOOTSTRAP_TENANT: 'solo' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const out = await new Promise<string>((resolveOut, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('MCP Inspector:')) resolveOut(text);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
      });
      expect(out).toContain("Created tenant 'solo'.");
      const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)$/m.exec(out)?.[1];
      expect(await new TokenService({ secret: SECRET }).verify(token ?? '')).toMatchObject({ tenantId: 'solo', role: 'developer' });
      const url = /serving MCP at (\S+)/.exec(out)?.[1];
      const config = JSON.parse(/^\{[\s\S]*?^\}$/m.exec(out)?.[0] ?? '{}');
      expect(config).toEqual({ mcpServers: { 'debug-host': { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } });
    } finally {
      await new Promise((resolveExit) => (child.exitCode === null ? (child.once('exit', resolveExit), child.kill('SIGKILL')) : resolveExit(undefined)));
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('manages tenants through a running server', async () => {
    const env = { DEBUG_HOST_JWT_SECRET: SECRET };
    const created = await cli(['tenant', 'create', 'team-blue', '--containers', '7', '--url', harness.url, '--json'], env);
    expect(JSON.parse(created.stdout).tenant).toMatchObject({ tenantId: 'team-blue', status: 'active', quotas: { containers: 7 } });
    await cli(['tenant', 'suspend', 'team-blue', '--url', harness.url], env);
    expect((await harness.runtime.store.getTenant('team-blue'))?.status).toBe('suspended');
    const listed = await cli(['tenant', 'list', '--url', harness.url], env);
    expect(listed.stdout).toMatch(/team-blue \(suspended\)/);
    await expect(cli(['tenant', 'create', 'Bad', '--url', harness.url], env)).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/tenantId/) });
  });
});
