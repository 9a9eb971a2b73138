import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, eventually, startRuntime, type Harness, type TestClient } from '../runtime/harness.js';

const SERVICES = resolve(import.meta.dirname, '../../scripts/services');
const services = (...args: string[]) => execFileSync(SERVICES, args, { stdio: ['ignore', 'pipe', 'inherit'] }).toString();

describe('faults users see: PostgreSQL restarting under a running replica', () => {
  let harness: Harness;
  let dev: TestClient;
  let projectId: string;

  beforeAll(async () => {
    harness = await startRuntime();
    dev = await harness.client('default', 'developer');
    projectId = (await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB })).projectId;
    await dev.ok('host.start', { projectId });
    await eventually(async () => (await dev.ok('host.status', { projectId })).project.ready, 15_000, 'ready');
  });
  afterAll(async () => {
    services('up', 'postgres');
    await harness.close();
  });

  it('answers unavailable with what to do while the database is down, then recovers by itself', async () => {
    expect(harness.runtime.embedded).toBe(false);
    services('down', 'postgres');
    const refused = await dev.call('host.list');
    expect(refused.data.error).toMatchObject({ code: 'unavailable', retryAfterMs: 2000 });
    expect(refused.text).toMatch(/could not reach the debug host's database; nothing was changed/);
    const ready = await fetch(harness.url.replace(/\/mcp$/, '/ready'));
    expect(ready.status).toBe(503);

    services('up', 'postgres');
    const listed = await eventually(async () => {
      const result = await dev.call('host.list');
      return result.isError ? undefined : result.data;
    }, 30_000, 'calls to work again');
    expect(listed.projects[0]).toMatchObject({ name: 'web', state: 'running' });
    expect((await fetch(harness.url.replace(/\/mcp$/, '/ready'))).status).toBe(200);
    // The project kept running through the outage and still answers.
    expect(await (await fetch(`http://127.0.0.1:${listed.projects[0].port}/`)).text()).toBe('ok');
    await dev.ok('host.stop', { projectId });
  });
});
