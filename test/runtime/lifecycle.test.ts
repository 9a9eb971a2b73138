import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, eventually, isAlive, startRuntime, type Harness, type TestClient } from './harness.js';

describe('project lifecycle over Streamable HTTP', () => {
  let harness: Harness;
  let dev: TestClient;

  beforeAll(async () => {
    harness = await startRuntime();
    dev = await harness.client('default', 'developer');
  });
  afterAll(() => harness.close());

  it('lists the tools a developer may call', async () => {
    const { tools } = await dev.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['host.register', 'host.start', 'host.stop', 'host.restart', 'host.list', 'host.status', 'host.checkPort', 'host.logs', 'host.searchLogs', 'host.clearLogs', 'host.exportLogs', 'host.logStats', 'tenant.usage']));
    expect(names).not.toContain('tenant.create');
    const register = tools.find((t) => t.name === 'host.register');
    expect(register?.inputSchema.required).toEqual(expect.arrayContaining(['name', 'workspace', 'command']));
  });

  it('registers, starts on a leased port, becomes ready, logs, and stops the whole process group', async () => {
    const registered = await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB, env: { GRANDCHILD: '1' }, techStack: 'node' });
    const projectId = registered.projectId as string;
    expect(projectId).toMatch(/^[0-9a-f-]{36}$/);

    const started = await dev.ok('host.start', { projectId });
    expect(started.project.state).toBe('starting');
    expect(started.project.pid).toBeGreaterThan(0);
    const port = started.project.port as number;
    const tenant = await harness.runtime.store.getTenant('default');
    expect(port).toBeGreaterThanOrEqual(tenant!.quotas.portRange.from);
    expect(port).toBeLessThanOrEqual(tenant!.quotas.portRange.to);

    const ready = await eventually(async () => {
      const { project } = await dev.ok('host.status', { projectId: 'web' });
      return project.ready ? project : undefined;
    }, 15_000, 'readiness');
    expect(ready.state).toBe('running');
    expect(ready.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('ok');

    const check = await dev.ok('host.checkPort', { port });
    expect(check).toMatchObject({ port, inUse: true, leasedBy: { projectId, name: 'web' } });

    const logs = await eventually(async () => {
      const data = await dev.ok('host.logs', { projectId, limit: 50 });
      return data.lines.some((l: { message: string }) => l.message === 'GET /hello') ? data : undefined;
    }, 5000, 'request log line');
    expect(logs.lines[0].message).toBe(`booting web on port ${port}`);
    const grandchild = Number(/grandchild pid (\d+)/.exec(logs.lines.map((l: { message: string }) => l.message).join('\n'))?.[1]);
    expect(isAlive(grandchild)).toBe(true);

    const stopped = await dev.ok('host.stop', { projectId });
    expect(stopped.project).toMatchObject({ state: "stopped", stopReason: "requested" });
    expect(stopped.project.port).toBeUndefined();
    expect(isAlive(started.project.pid)).toBe(false);
    await eventually(async () => !isAlive(grandchild), 5000, 'grandchild to die');
    expect((await dev.ok('host.checkPort', { port })).inUse).toBe(false);

    const tail = await dev.ok('host.logs', { projectId, limit: 5 });
    expect(tail.lines.map((l: { message: string }) => l.message)).toContain('received SIGTERM, shutting down');
  });

  it('restarts a running project as a new run and lists it', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'restartable', workspace: FIXTURES, command: WEB });
    const first = await dev.ok('host.start', { projectId });
    const second = await dev.ok('host.restart', { projectId });
    expect(second.project.pid).not.toBe(first.project.pid);
    expect(isAlive(first.project.pid)).toBe(false);
    const running = await dev.ok('host.list', { state: ['starting', 'running'] });
    expect(running.projects.map((p: { name: string }) => p.name)).toContain('restartable');
    const byStack = await dev.ok('host.list', { techStack: 'node' });
    expect(byStack.projects.map((p: { name: string }) => p.name)).toEqual(['web']);
    await dev.ok('host.stop', { projectId });
  });

  it('refuses a second start of a running project and a stop of a stopped one', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'once', workspace: FIXTURES, command: WEB });
    await dev.ok('host.start', { projectId });
    const again = await dev.call('host.start', { projectId });
    expect(again.isError).toBe(true);
    expect(again.data.error.code).toBe('conflict');
    await dev.ok('host.stop', { projectId });
    const twice = await dev.call('host.stop', { projectId });
    expect(twice.data.error).toMatchObject({ code: 'conflict' });
    expect(twice.text).toMatch(/not running/);
  });

  it('skips a port that a process outside the debug host holds', async () => {
    const { createServer } = await import('node:net');
    const tenant = await harness.runtime.store.getTenant('default');
    const held = tenant!.quotas.portRange.to;
    const outsider = createServer();
    await new Promise<void>((r) => outsider.listen(held, '127.0.0.1', r));
    try {
      const { projectId } = await dev.ok('host.register', { name: 'wants-held-port', workspace: FIXTURES, command: WEB, port: held });
      const { project } = await dev.ok('host.start', { projectId });
      expect(project.port).not.toBe(held);
      await dev.ok('host.stop', { projectId });
    } finally {
      outsider.close();
    }
  });

  it('keeps cwd inside the workspace', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'ws-'));
    const escape = await dev.call('host.register', { name: 'escape', workspace, command: 'true', cwd: '../..' });
    expect(escape.data.error).toMatchObject({ code: 'invalid_input', field: 'cwd' });
    expect(escape.text).toMatch(/outside the workspace/);
  });

  it('answers /health, /ready and /metrics', async () => {
    const base = harness.url.replace(/\/mcp$/, '');
    const health = await (await fetch(`${base}/health`)).json();
    const store = process.env.DEBUG_HOST_TEST_STORE === 'postgres' ? 'postgres' : 'pglite';
    expect(health).toMatchObject({ status: 'ok', replicaId: 'test-replica', version: '0.1.0', store });
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/debug_host_tool_calls_total\{tool="host.start",tenant="default",outcome="ok"/);
    expect(metrics).toMatch(/active_containers_per_pod/);
  });
});
