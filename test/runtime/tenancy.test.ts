import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { FIXTURES, SECRET, WEB, eventually, startRuntime, type Harness, type TestClient } from './harness.js';

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

describe('tenancy: authentication, roles, and isolation on every tool', () => {
  let harness: Harness;
  let acme: TestClient;
  let globex: TestClient;
  let acmeProject: string;

  beforeAll(async () => {
    harness = await startRuntime();
    await harness.runtime.store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
    await harness.runtime.store.createTenant({ id: 'globex' }, SYSTEM_ACTOR);
    acme = await harness.client('acme', 'admin');
    globex = await harness.client('globex', 'admin');
    acmeProject = (await acme.ok('host.register', { name: 'acme-web', workspace: FIXTURES, command: WEB })).projectId;
    await acme.ok('host.start', { projectId: acmeProject });
  });
  afterAll(() => harness.close());

  const post = (headers: Record<string, string>) =>
    fetch(harness.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });

  it.each([
    ['missing', {}, /no Authorization header/],
    ['malformed', { authorization: 'Token abc' }, /not of the form `Bearer <token>`/],
    ['forged', { authorization: 'Bearer x' }, /not valid/],
  ])('refuses a %s token with 401', async (_name, headers, message) => {
    const response = await post(headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await response.json()).message).toMatch(message);
  });

  it('refuses expired, wrongly signed and wrong-audience tokens with 401', async () => {
    const key = new TextEncoder().encode(SECRET);
    const base = () => new SignJWT({ tenant: 'acme', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('debug-host').setSubject('x');
    const expired = await base().setAudience('debug-host').setIssuedAt(1_000_000).setExpirationTime(1_000_060).sign(key);
    const wrongKey = await base().setAudience('debug-host').setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
    const wrongAudience = await base().setAudience('someone-else').setExpirationTime('1h').sign(key);
    for (const [token, message] of [
      [expired, /expired/],
      [wrongKey, /signature is not valid/],
      [wrongAudience, /`aud` claim/],
    ] as const) {
      const response = await post({ authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect((await response.json()).message).toMatch(message);
    }
  });

  it('refuses tools outside the role with a clear forbidden error', async () => {
    const viewer = await harness.client('acme', 'viewer');
    const refused = await viewer.call('host.start', { projectId: acmeProject });
    expect(refused.data.error).toMatchObject({ code: 'forbidden' });
    expect(refused.text).toMatch(/role 'viewer' may not call host.start; it needs 'developer' or above/);
    expect((await viewer.ok('host.status', { projectId: acmeProject })).project.name).toBe('acme-web');
    const developer = await harness.client('acme', 'developer');
    expect((await developer.call('tenant.audit')).data.error.code).toBe('forbidden');
    expect((await acme.call('tenant.create', { tenantId: 'evil' })).data.error.code).toBe('forbidden');
    expect(await harness.runtime.store.getTenant('evil')).toBeUndefined();
  });

  // Another tenant's project must look exactly like a project that does not exist.
  const projectTools: Array<[string, (id: string) => Record<string, unknown>]> = [
    ['host.start', (id) => ({ projectId: id })],
    ['host.stop', (id) => ({ projectId: id })],
    ['host.restart', (id) => ({ projectId: id })],
    ['host.status', (id) => ({ projectId: id })],
    ['host.checkPort', (id) => ({ projectId: id })],
    ['host.logs', (id) => ({ projectId: id })],
    ['host.searchLogs', (id) => ({ projectId: id, query: 'booting' })],
    ['host.clearLogs', (id) => ({ projectId: id })],
    ['host.exportLogs', (id) => ({ projectId: id })],
    ['host.logStats', (id) => ({ projectId: id })],
  ];

  it.each(projectTools)('%s on another tenant\'s project answers exactly like a missing one', async (tool, args) => {
    const foreign = await globex.call(tool, args(acmeProject));
    const missing = await globex.call(tool, args('00000000-0000-4000-8000-000000000000'));
    expect(foreign.isError).toBe(true);
    expect(foreign.data.error.code).toBe('not_found');
    expect(foreign.text.replace(acmeProject, 'ID')).toBe(missing.text.replace('00000000-0000-4000-8000-000000000000', 'ID'));
    const byName = await globex.call(tool, args('acme-web'));
    expect(byName.data.error.code).toBe('not_found');
    const { project } = await acme.ok('host.status', { projectId: acmeProject });
    expect(project.state).toMatch(/starting|running/);
  });

  it('keeps list, search, export, stats, usage, audit and port checks inside the tenant', async () => {
    expect((await globex.ok('host.list')).projects).toEqual([]);
    expect((await globex.ok('host.searchLogs', { query: 'booting' })).total).toBe(0);
    expect(JSON.parse((await globex.ok('host.exportLogs', {})).content)).toEqual([]);
    expect((await globex.ok('host.logStats', {})).total).toBe(0);
    expect((await globex.ok('tenant.usage')).containers.used).toBe(0);
    const audit = await globex.ok('tenant.audit');
    expect(audit.records.every((r: { target: string }) => !r.target.includes(acmeProject))).toBe(true);
    // Acme's project logs as it boots (later on a loaded machine): its lines survive globex's clear.
    await eventually(async () => (await acme.ok('host.logStats', {})).total > 0, 15_000, "acme's first log line");
    await globex.ok('host.clearLogs', {});
    expect((await acme.ok('host.logStats', {})).total).toBeGreaterThan(0);
    const { project } = await acme.ok('host.status', { projectId: acmeProject });
    const foreignPort = await globex.call('host.checkPort', { port: project.port });
    expect(foreignPort.data.error).toMatchObject({ code: 'invalid_input', field: 'port' });
    expect(foreignPort.text).toMatch(/outside your tenant's port range/);
  });

  it('gives tenants non-overlapping port ranges', async () => {
    const [a, g] = await Promise.all([harness.runtime.store.getTenant('acme'), harness.runtime.store.getTenant('globex')]);
    expect(a!.quotas.portRange.to < g!.quotas.portRange.from || g!.quotas.portRange.to < a!.quotas.portRange.from).toBe(true);
  });
});
