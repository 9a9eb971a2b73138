import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { FIXTURES, WEB, startRuntime, type Harness, type TestClient } from './harness.js';

/** Each tool with one bad input, the field the error must name, and the rule it must state. */
const CASES: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ['host.register', { name: 'bad name!', workspace: FIXTURES, command: 'x' }, 'name', /must be 1-63 letters/],
  ['host.register', { name: 'ok', workspace: 'relative/dir', command: 'x' }, 'workspace', /not an absolute path/],
  ['host.register', { name: 'ok', workspace: '/does/not/exist', command: 'x' }, 'workspace', /not an existing directory/],
  ['host.register', { name: 'ok', workspace: FIXTURES, command: '' }, 'command', /must not be empty/],
  ['host.register', { name: 'ok', workspace: FIXTURES, command: 'x', env: { PORT: '1' } }, 'env', /PORT is set by the debug host/],
  ['host.register', { name: 'ok', workspace: FIXTURES, command: 'x', port: 80 }, 'port', /at least 1024/],
  ['host.register', { name: 'ok', workspace: FIXTURES, command: 'x', readiness: 'log' }, 'readyPattern', /required with readiness `log`/],
  ['host.register', { name: 'ok', workspace: FIXTURES, command: 'x', colour: 'red' }, 'colour', /unknown field/],
  ['host.start', {}, 'projectId', /is required/],
  ['host.stop', { projectId: 42 }, 'projectId', /is required|expected string/],
  ['host.restart', { projectId: '' }, 'projectId', /must not be empty/],
  ['host.list', { state: 'sleeping' }, 'state', /.+/],
  ['host.status', { projectId: ['a'] }, 'projectId', /.+/],
  ['host.checkPort', { port: 1.5 }, 'port', /whole number/],
  ['host.checkPort', {}, 'port', /required when projectId is not given/],
  ['host.logs', { projectId: 'web', limit: 0 }, 'limit', /at least 1/],
  ['host.logs', { projectId: 'web', since: 'yesterday' }, 'since', /neither an ISO 8601 time nor a duration/],
  ['host.searchLogs', { query: '' }, 'query', /must not be empty/],
  ['host.searchLogs', { query: 'x', context: 50 }, 'context', /.+/],
  ['host.clearLogs', { projectId: 7 }, 'projectId', /.+/],
  ['host.exportLogs', { format: 'xml' }, 'format', /.+/],
  ['host.logStats', { project: 'web' }, 'project', /unknown field/],
  ['tenant.usage', { tenant: 'other' }, 'tenant', /unknown field/],
  ['tenant.audit', { limit: -1 }, 'limit', /at least 1/],
  ['tenant.create', { tenantId: 'Bad_Tenant' }, 'tenantId', /lowercase letters/],
  ['tenant.update', { tenantId: 'acme', quotas: { containers: -1 } }, 'quotas.containers', /must not be negative/],
  ['tenant.update', { tenantId: 'acme', quotas: {} }, 'quotas', /names no quota/],
  ['tenant.suspend', {}, 'tenantId', /is required/],
  ['tenant.resume', { tenantId: 'x' }, 'tenantId', /lowercase letters/],
  ['tenant.delete', { tenantId: 'acme', confirm: 'nope' }, 'confirm', /does not equal tenantId/],
  ['tenant.list', { all: true }, 'all', /unknown field/],
  ['cluster.scaling', { limit: 0 }, 'limit', /at least 1|too small|>=1/],
];

describe('bad input on every tool: a clear error naming the field, and nothing changed', () => {
  let harness: Harness;
  let admin: TestClient;

  beforeAll(async () => {
    harness = await startRuntime();
    await harness.runtime.store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
    admin = await harness.client('default', 'platform-admin');
    await admin.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB });
  });
  afterAll(() => harness.close());

  it('covers every tool the runtime serves', async () => {
    const { tools } = await admin.client.listTools();
    expect(new Set(CASES.map(([tool]) => tool))).toEqual(new Set(tools.map((t) => t.name)));
  });

  it.each(CASES)('%s %j names %s', async (tool, args, field, rule) => {
    const store = harness.runtime.store;
    const before = { audit: (await store.tenant('default').listAudit(1000)).length, projects: (await store.tenant('default').listProjects()).length, tenants: await store.listTenants() };
    const result = await admin.call(tool, args);
    expect(result.isError).toBe(true);
    expect(result.data.error).toMatchObject({ code: 'invalid_input', field });
    expect(result.data.error.message).toMatch(rule);
    expect(result.data.error.fix).toEqual(expect.any(String));
    expect(result.text).toContain(field);
    const after = { audit: (await store.tenant('default').listAudit(1000)).length, projects: (await store.tenant('default').listProjects()).length, tenants: await store.listTenants() };
    expect(after).toEqual(before);
  });
});
