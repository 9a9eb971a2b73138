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

  it('reports the sole leader and the backends in /health', async () => {
    const health = await (await fetch(harness.url.replace(/\/mcp$/, '/health'))).json();
    expect(health).toMatchObject({ leader: true, rateLimit: 'memory', events: 'log' });
  });
});
