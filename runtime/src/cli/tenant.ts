/**
 * `debug-host tenant ...`: tenant lifecycle through a running server's MCP endpoint with a
 * platform-admin token, so the CLI takes the same checks and audit path as any client.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { loadConfig } from '../config.js';
import { TokenService } from '../tenancy/tokens.js';
import { localSecret } from '../runtime.js';
import { packageVersion } from '../version.js';
import { parse, str } from './args.js';

const USAGE = `
Usage: debug-host tenant <list|create|update|suspend|resume|delete|usage> [id] [options]

  list                         Every tenant with status and quotas
  create <id> [quota flags]    Create a tenant (quotas default to the platform's)
  update <id> <quota flags>    Change quotas
  suspend <id> | resume <id>   Stop a tenant's projects and refuse starts / allow them again
  delete <id>                  Delete a tenant's data (keeps the audit trail)

Quota flags: --containers N --ports N --memory-mib N --cpu-millis N --storage-mib N --port-range FROM-TO
Options:
  --url <url>        MCP endpoint (default http://127.0.0.1:2601/mcp)
  --token <jwt>      Platform-admin token (DEBUG_HOST_TOKEN); otherwise minted from the secret
  --data-dir <dir>   Where the embedded runtime keeps its secret (default .debug-host)
  --json             Print the structured result
`;

const QUOTA_FLAGS = { containers: 'containers', ports: 'ports', 'memory-mib': 'memoryMiB', 'cpu-millis': 'cpuMillis', 'storage-mib': 'storageMiB' } as const;

export async function tenantCommand(argv: string[]): Promise<void> {
  const options = {
    url: { type: 'string' },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
    json: { type: 'boolean' },
    'port-range': { type: 'string' },
    ...Object.fromEntries(Object.keys(QUOTA_FLAGS).map((flag) => [flag, { type: 'string' }])),
  } as const;
  const { values, positionals } = parse(argv, options, USAGE);
  const [action, id] = positionals;
  const quotas = quotasFrom(values);
  const call = ((): { tool: string; args: Record<string, unknown> } => {
    switch (action) {
      case 'list':
        return { tool: 'tenant.list', args: {} };
      case 'create':
        return { tool: 'tenant.create', args: { tenantId: need(id, action), ...(Object.keys(quotas).length ? { quotas } : {}) } };
      case 'update':
        return { tool: 'tenant.update', args: { tenantId: need(id, action), quotas } };
      case 'suspend':
      case 'resume':
        return { tool: `tenant.${action}`, args: { tenantId: need(id, action) } };
      case 'delete':
        return { tool: 'tenant.delete', args: { tenantId: need(id, action), confirm: need(id, action) } };
      default:
        throw new Error(`Unknown tenant action '${action ?? ''}'. Use list, create, update, suspend, resume or delete (see --help).`);
    }
  })();

  const config = loadConfig({ dataDir: str(values['data-dir']) });
  let token = str(values.token) ?? process.env.DEBUG_HOST_TOKEN;
  if (!token) {
    const secret = config.jwtSecret ?? (await localSecret(config, !config.databaseUrl));
    token = await new TokenService({ secret, audience: config.jwtAudience }).mint({ tenant: config.bootstrapTenant, role: 'platform-admin', ttl: '5m', subject: 'cli' });
  }
  const url = str(values.url) ?? `http://127.0.0.1:${config.port}/mcp`;
  const client = new Client({ name: 'debug-host-cli', version: packageVersion() });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  try {
    const result = await client.callTool({ name: call.tool, arguments: call.args });
    const text = (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');
    process.stdout.write(`${values.json ? JSON.stringify(result.structuredContent, null, 2) : text}\n`);
    if (result.isError) process.exitCode = 1;
  } finally {
    await client.close();
  }
}

function need(id: string | undefined, action: string): string {
  if (!id) throw new Error(`tenant ${action} needs a tenant id, e.g. \`debug-host tenant ${action} acme\`.`);
  return id;
}

function quotasFrom(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const quotas: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(QUOTA_FLAGS)) {
    const value = str(values[flag]);
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw new Error(`--${flag} must be a whole number, got '${value}'.`);
    quotas[key] = Number(value);
  }
  const range = str(values['port-range']);
  if (range) {
    const match = /^(\d+)-(\d+)$/.exec(range);
    if (!match) throw new Error(`--port-range must look like 30000-30099, got '${range}'.`);
    quotas.portRange = { from: Number(match[1]), to: Number(match[2]) };
  }
  return quotas;
}
