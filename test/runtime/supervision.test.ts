import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, eventually, startRuntime, type Harness, type TestClient } from './harness.js';

describe('supervision: crash backoff and idle reaping', () => {
  let harness: Harness;
  let dev: TestClient;

  beforeAll(async () => {
    harness = await startRuntime({ reapIntervalMs: 200 });
    dev = await harness.client('default', 'developer');
  });
  afterAll(() => harness.close());

  it('restarts a crashing project with growing backoff, then gives up and says why', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'crasher', workspace: FIXTURES, command: WEB, env: { MODE: 'crash' }, maxRestarts: 2 });
    await dev.ok('host.start', { projectId });
    const crashed = await eventually(async () => {
      const { project } = await dev.ok('host.status', { projectId });
      return project.state === 'crashed' ? project : undefined;
    }, 20_000, 'crashed state');
    expect(crashed).toMatchObject({ restarts: 2, exitCode: 3 });
    expect(crashed.port).toBeUndefined();
    expect(crashed.stopReason).toBe('crashed with exit code 3; gave up after 2 restarts');
    const system = await dev.ok('host.logs', { projectId, stream: 'system' });
    expect(system.lines.map((l: { message: string }) => l.message)).toEqual([
      'crashed with exit code 3; restart 1/2 in 500 ms',
      'crashed with exit code 3; restart 2/2 in 1000 ms',
      'crashed: crashed with exit code 3; gave up after 2 restarts',
    ]);
    const errors = await dev.ok('host.searchLogs', { query: 'level:error database', projectId });
    expect(errors.total).toBe(3);
    expect((await dev.ok('tenant.usage')).containers.used).toBe(0);
  });

  it('reaps an idle project and records the reason', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'sleepy', workspace: FIXTURES, command: WEB, idleTimeoutSec: 1 });
    await dev.ok('host.start', { projectId });
    const reaped = await eventually(async () => {
      const { project } = await harness.runtime.store.tenant('default').getProject(projectId).then((p) => ({ project: p }));
      return project?.state === 'stopped' ? project : undefined;
    }, 15_000, 'idle reap');
    expect(reaped.stopReason).toMatch(/^idle: no activity for \d+s$/);
    const { project } = await dev.ok('host.status', { projectId });
    expect(project.stopReason).toBe(reaped.stopReason);
  });
});
