import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { FIXTURES, WEB, startRuntime, type Harness, type TestClient } from './harness.js';

describe('quotas: checked atomically before a start', () => {
  let harness: Harness;
  let dev: TestClient;

  beforeAll(async () => {
    harness = await startRuntime();
    await harness.runtime.store.createTenant({ id: 'small', quotas: { containers: 3, ports: 10 } }, SYSTEM_ACTOR);
    dev = await harness.client('small', 'developer');
  });
  afterAll(() => harness.close());

  it('takes 300 concurrent starts against a quota of 200: exactly 200 start, 100 are refused with the quota message, no connection is reset', async () => {
    await harness.runtime.store.createTenant({ id: 'burst', quotas: { containers: 200, ports: 300, portRange: { from: 31_000, to: 31_299 } } }, SYSTEM_ACTOR);
    const burst = await harness.client('burst', 'developer');
    // A client honours `overloaded` and `rate_limited` (retryAfterMs) as told; any transport error fails the test.
    const asTold = async (name: string, args: Record<string, unknown>) => {
      for (;;) {
        const result = await burst.call(name, args);
        if (!['overloaded', 'rate_limited'].includes(result.data.error?.code)) return result;
        await new Promise((r) => setTimeout(r, result.data.error.retryAfterMs));
      }
    };
    const ids: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      const registered = await asTold('host.register', { name: `b${i}`, workspace: FIXTURES, command: 'exec sleep 600', readiness: 'none' });
      expect(registered.isError, registered.text).toBe(false);
      ids.push(registered.data.projectId);
    }
    const results = await Promise.all(ids.map((projectId) => asTold('host.start', { projectId })));
    const started = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect(started).toHaveLength(200);
    expect(refused).toHaveLength(100);
    for (const r of refused) expect(r.data.error).toMatchObject({ code: 'quota_exceeded', quota: 'containers', limit: 200, used: 200 });
    expect((await burst.ok('tenant.usage')).containers).toEqual({ used: 200, limit: 200 });
  }, 180_000);

  it('lets exactly the quota of concurrent starts through and says why the rest were refused', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push((await dev.ok('host.register', { name: `p${i}`, workspace: FIXTURES, command: WEB })).projectId);
    const results = await Promise.all(ids.map((projectId) => dev.call('host.start', { projectId })));
    const ok = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect(ok).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.data.error).toMatchObject({ code: 'quota_exceeded', limit: 3, used: 3 });
      expect(r.text).toMatch(/3/);
      expect(r.data.error.fix).toEqual(expect.any(String));
    }
    const usage = await dev.ok('tenant.usage');
    expect(usage.containers).toEqual({ used: 3, limit: 3 });
    expect(usage.ports.used).toBe(3);
    const ports = new Set(ok.map((r) => r.data.project.port));
    expect(ports.size).toBe(3);

    // A stop frees the slot for the next start.
    await dev.ok('host.stop', { projectId: ok[0]!.data.project.projectId });
    const next = refused[0]!;
    const retry = await dev.ok('host.start', { projectId: ids[results.indexOf(next)] });
    expect(retry.project.state).toBe('starting');
  });

  it('applies a quota change from a platform admin to new starts, and suspends', async () => {
    const platform = await harness.client('default', 'platform-admin');
    await platform.ok('tenant.update', { tenantId: 'small', quotas: { containers: 4 } });
    const idle = (await dev.ok('host.list', { state: 'registered' })).projects[0].projectId;
    await dev.ok('host.start', { projectId: idle });
    expect((await dev.ok('tenant.usage')).containers).toEqual({ used: 4, limit: 4 });

    const suspended = await platform.ok('tenant.suspend', { tenantId: 'small' });
    expect(suspended.stopped).toBe(4);
    const refused = await dev.call('host.start', { projectId: idle });
    expect(refused.data.error.code).toBe('suspended');
    expect((await dev.ok('host.list')).count).toBe(10); // reads still work
    await platform.ok('tenant.resume', { tenantId: 'small' });
    expect((await dev.ok('host.start', { projectId: idle })).project.state).toBe('starting');
  });

  it('deletes a tenant with its projects and data', async () => {
    const platform = await harness.client('default', 'platform-admin');
    const deleted = await platform.ok('tenant.delete', { tenantId: 'small', confirm: 'small' });
    expect(deleted).toMatchObject({ deleted: true, stopped: 1 });
    expect(await harness.runtime.store.getTenant('small')).toBeUndefined();
    const gone = await dev.call('host.list');
    expect(gone.data.error.code).toBe('forbidden');
  });
});
