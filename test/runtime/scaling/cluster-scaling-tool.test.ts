/**
 * The platform-admin tool cluster.scaling on a running embedded runtime (recommendation mode:
 * no Kubernetes): the leader's first decision, its floor and why there is no forecast yet;
 * refused to every role below platform-admin, whatever the tenant; the replica's signals on
 * /metrics (latency by tenant, changing calls, the autoscaler's floor).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../runtime/src/runtime.js';
import { eventually, startRuntime, type Harness } from '../harness.js';

describe('cluster.scaling', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startRuntime({ autoscalerPeriodSec: 1 });
    await harness.runtime.store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
  });
  afterAll(() => harness.close());

  it('shows the floor the leader recommends, why there is no forecast yet, and its decisions with reasons', async () => {
    const platform = await harness.client('default', 'platform-admin');
    await eventually(async () => (await harness.runtime.store.scaling.recentDecisions(1)).length > 0, 15_000, 'the leader to decide');
    const data = await platform.ok('cluster.scaling', { limit: 5 });
    expect(data).toMatchObject({ floor: 3, mode: 'recommend', bounds: { min: 3, max: 20 }, forecast: { ok: false, reason: 'insufficient-history' } });
    expect(data.decisions.length).toBeGreaterThanOrEqual(1);
    expect(data.decisions[0]).toMatchObject({ mode: 'recommend', floor: { to: 3, rule: 'at-minimum' } });
    expect(data.decisions[0].reason).toMatch(/^floor 3 held: no forecast \(insufficient-history/);
    const text = (await platform.call('cluster.scaling')).text;
    expect(text).toMatch(/^Floor 3 \(recommended, not applied\)/);
    expect(text).toMatch(/No forecast: No forecast: \d+ samples of history, 172800 needed/);
  });

  it('is refused to tenant admins, developers and viewers of any tenant', async () => {
    for (const [tenant, role] of [['acme', 'admin'], ['default', 'admin'], ['acme', 'developer'], ['default', 'viewer']] as const) {
      const client = await harness.client(tenant, role);
      const refused = await client.call('cluster.scaling');
      expect(refused.data.error).toMatchObject({ code: 'forbidden' });
      expect(refused.text).toMatch(new RegExp(`role '${role}' may not call cluster.scaling; it needs 'platform-admin'`));
    }
  });

  it('exports the signals the decision needs on /metrics', async () => {
    const acme = await harness.client('acme', 'admin');
    await acme.ok('host.list');
    const metrics = await (await fetch(harness.url.replace(/\/mcp$/, '/metrics'))).text();
    expect(metrics).toMatch(/^active_containers_per_pod\{replica="[^"]+"\} 0$/m);
    expect(metrics).toMatch(/^debug_host_changing_calls\{state="running",replica="[^"]+"\} 0$/m);
    expect(metrics).toMatch(/^debug_host_tool_duration_seconds_count\{[^}]*tenant="acme"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^debug_host_autoscaler_floor\{mode="recommend",replica="[^"]+"\} 3$/m);
  });
});
