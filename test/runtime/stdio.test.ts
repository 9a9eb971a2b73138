import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, eventually, wrap, type TestClient } from './harness.js';

const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');
const TSX = resolve(import.meta.dirname, '../../node_modules/.bin/tsx');

describe('debug-host stdio with the official MCP client', () => {
  let client: Client;
  let dev: TestClient;

  beforeAll(async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'debug-host-stdio-'));
    client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: TSX, args: [CLI, 'stdio', '--data-dir', dataDir], stderr: 'inherit' }));
    dev = wrap(client);
  });
  afterAll(() => client.close());

  it('serves the same tools for the local developer', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['host.register', 'host.start', 'host.logs', 'tenant.usage']));
    expect(tools.map((t) => t.name)).not.toContain('tenant.create');
  });

  it('registers, starts, reads logs and stops a real project', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB });
    await dev.ok('host.start', { projectId });
    await eventually(async () => (await dev.ok('host.status', { projectId })).project.ready, 15_000, 'ready');
    const logs = await eventually(async () => {
      const data = await dev.ok('host.logs', { projectId, search: 'listening' });
      return data.count === 1 ? data : undefined;
    }, 5000, 'listening line');
    expect(logs.lines[0].message).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const stopped = await dev.ok('host.stop', { projectId });
    expect(stopped.project.state).toBe('stopped');
    const refused = await dev.call('host.register', { name: 'x', workspace: 'nope', command: 'true' });
    expect(refused.data.error).toMatchObject({ code: 'invalid_input', field: 'workspace' });
  });
});
