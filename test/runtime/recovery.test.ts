import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, SECRET, WEB, connect, eventually, isAlive, startRuntime } from './harness.js';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { servingUrl } from '../support/serving-url.js';

const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');

function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  // One process (no tsx wrapper), so that SIGKILL hits the server itself.
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
    // The embedded store: this test is about the process surviving its server, not the database.
    env: { ...process.env, DATABASE_URL: '', DEBUG_HOST_JWT_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return servingUrl(child, (code, out) => new Error(`serve exited with ${code}: ${out}`)).then((url) => ({ child, url }));
}

describe('after a restart of the runtime', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

  it('keeps projects, logs and audit, and runs again what was running (graceful restart)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'debug-host-restart-'));
    const first = await startRuntime({}, dataDir);
    const dev = await first.client('default', 'developer');
    // Near the top of the tenant's range: test files running alongside lease ports from its bottom,
    // and one of them could take this project's port while no runtime holds it.
    const { projectId } = await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB, port: 20_090 });
    const { project: before } = await dev.ok('host.start', { projectId });
    await eventually(async () => (await dev.ok('host.status', { projectId })).project.ready, 15_000, 'ready');
    const linesBefore = (await dev.ok('host.logStats', { projectId })).total;
    await first.close({ keepData: true });
    expect(isAlive(before.pid)).toBe(false);

    const second = await startRuntime({}, dataDir);
    try {
      const again = await second.client('default', 'developer');
      const { project } = await again.ok('host.status', { projectId });
      expect(project.state).toMatch(/starting|running/);
      expect(project.pid).not.toBe(before.pid);
      expect(project.port).toBe(before.port);
      await eventually(async () => (await again.ok('host.status', { projectId })).project.ready, 15_000, 'ready again');
      const logs = await again.ok('host.searchLogs', { query: '"started again after the runtime restarted"', projectId });
      expect(logs.total).toBe(1);
      expect((await again.ok('host.logStats', { projectId })).total).toBeGreaterThan(linesBefore);
      const admin = await second.client('default', 'admin');
      const actions = (await admin.ok('tenant.audit')).records.map((r: { action: string }) => r.action);
      expect(actions).toEqual(expect.arrayContaining(['project.register', 'project.start']));
    } finally {
      await second.close();
    }
  });

  it('takes the projects down with a server killed -9 (the keeper), and starts them again with the next', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'debug-host-kill-'));
    const token = await new TokenService({ secret: SECRET }).mint({ tenant: 'default', role: 'developer' });
    const first = await serve(dataDir);
    children.push(first.child);
    const dev = await connect(first.url, token);
    const { projectId } = await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB });
    const { project: before } = await dev.ok('host.start', { projectId });
    await dev.close();
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(isAlive(first.child.pid!)).toBe(false);
    // Its own process group, which used to outlive the server unsupervised: the keeper ends it.
    await eventually(async () => !isAlive(before.pid), 5000, 'the project process to end with its server');

    const second = await serve(dataDir);
    children.push(second.child);
    const again = await connect(second.url, token);
    const { project } = await again.ok('host.status', { projectId });
    expect(project.pid).not.toBe(before.pid);
    expect(isAlive(before.pid)).toBe(false);
    await eventually(async () => (await again.ok('host.status', { projectId })).project.ready, 15_000, 'ready after recovery');
    await again.ok('host.stop', { projectId });
    await again.close();
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });
});
