/**
 * `debug-host stdio`: the same tools over stdio for one local agent. Stdout carries only
 * JSON-RPC; logs go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Principal } from '../tenancy/principal.js';
import type { Runtime } from '../runtime.js';
import { createMcpServer } from './mcp-server.js';

export async function serveStdio(runtime: Runtime, principal: Principal): Promise<void> {
  const server = createMcpServer(runtime.dispatcher, runtime.version, principal);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  process.stdin.once('end', () => void transport.close());
  await server.connect(transport);
  await closed;
}
