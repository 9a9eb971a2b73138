import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { startRuntime, type Harness } from './harness.js';

describe('per-tenant rate limit through MCP', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startRuntime({ rateLimitPerSecond: 1, rateLimitBurst: 3 });
    await harness.runtime.store.createTenant({ id: 'calm' }, SYSTEM_ACTOR);
  });
  afterAll(() => harness.close());

  it('refuses calls over the burst with when to retry, and leaves other tenants alone', async () => {
    const busy = await harness.client('default', 'viewer');
    const results = [];
    for (let i = 0; i < 5; i += 1) results.push(await busy.call('host.list'));
    expect(results.slice(0, 3).every((r) => !r.isError)).toBe(true);
    const limited = results[3]!;
    expect(limited.data.error).toMatchObject({ code: 'rate_limited', capacity: 3, refillPerSecond: 1 });
    expect(limited.data.error.retryAfterMs).toBeGreaterThan(0);
    expect(limited.data.error.retryAfterMs).toBeLessThanOrEqual(1000);
    expect(limited.text).toMatch(/retry in \d+ ms/);
    const calm = await harness.client('calm', 'viewer');
    expect((await calm.call('host.list')).isError).toBe(false);
    await new Promise((r) => setTimeout(r, limited.data.error.retryAfterMs + 50));
    expect((await busy.call('host.list')).isError).toBe(false);
  });

  it('answers a throttled tenant the same on the short path (refused before the MCP layer) as on the full one; role errors still come first', async () => {
    await harness.runtime.store.createTenant({ id: 'flood' }, SYSTEM_ACTOR);
    const viewer = await harness.client('flood', 'viewer');
    for (let i = 0; i < 3; i += 1) await viewer.call('host.list');
    const metrics = async () => (await (await fetch(harness.url.replace(/\/mcp$/, '/metrics'))).text()).match(/tool_calls_total\{[^}]*tenant="flood"[^}]*outcome="rate_limited"[^}]*\} (\d+)/)?.[1];
    const refusedBefore = Number((await metrics()) ?? 0);
    const refused = await viewer.call('host.list');
    expect(refused.isError).toBe(true);
    expect(refused.data.error).toMatchObject({ code: 'rate_limited', capacity: 3, refillPerSecond: 1 });
    expect(refused.text).toMatch(/^Tenant 'flood' is over its rate limit of 3 calls in a burst and 1 per second; retry in \d+ ms\. Wait \d+ ms/);
    // A viewer may not start projects: that answer does not turn into "rate limited".
    const forbidden = await viewer.call('host.start', { projectId: 'prj_anything' });
    expect(forbidden.data.error.code).toBe('forbidden');
    expect(Number(await metrics())).toBe(refusedBefore + 1);
  });

  it('reports the sole leader and the backends in /health', async () => {
    const health = await (await fetch(harness.url.replace(/\/mcp$/, '/health'))).json();
    expect(health).toMatchObject({ leader: true, rateLimit: 'memory', events: 'log' });
  });
});
