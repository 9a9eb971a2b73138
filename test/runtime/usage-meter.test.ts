import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageMeter } from '../../runtime/src/metering/usage-meter.js';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../runtime/src/store/sql-store.js';

const spec = { workspace: '/tmp', command: 'true', cwd: '.', env: {}, readiness: { kind: 'none' }, restart: { maxRestarts: 0, initialBackoffMs: 1, maxBackoffMs: 1 }, idleTimeoutSec: 0 } as const;

describe('usage metering for billing', () => {
  let store: SqlStore;
  beforeAll(async () => {
    store = await openStore({});
    await store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
    await store.createTenant({ id: 'paused' }, SYSTEM_ACTOR);
    await store.setTenantStatus('paused', 'suspended', SYSTEM_ACTOR);
    const actor = { subject: 'dev', role: 'developer', tenantId: 'acme' } as const;
    for (const name of ['web', 'api']) {
      const project = await store.tenant('acme').registerProject({ ...spec, name }, actor);
      if (name === 'web') await store.tenant('acme').claimStart(project.id, actor, 'r1');
    }
    await store.markDelivered((await store.pendingEvents(1000)).map((e) => e.id));
  });
  afterAll(() => store.close());

  it('writes one usage.sample per active tenant into the outbox, keyed by tenant', async () => {
    const at = new Date('2026-11-27T04:00:00Z');
    expect(await new UsageMeter({ store, logger: pino({ level: 'silent' }) }).sample(at)).toBe(1);
    const events = await store.pendingEvents(100);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenantId: 'acme',
      type: 'usage.sample',
      key: 'acme',
      payload: { tenantId: 'acme', at: '2026-11-27T04:00:00.000Z', containers: 1, ports: 1, projects: 2, logLines: 0 },
    });
  });
});
