import { loadConfig } from '../config.js';
import { Runtime } from '../runtime.js';
import { logUnhandledRejections } from './unhandled.js';
import { RUNTIME_FLAGS, RUNTIME_FLAGS_HELP, parse, runtimeFlags } from './args.js';

const USAGE = `
Usage: debug-host serve [options]

Serves MCP over Streamable HTTP at http://HOST:PORT/mcp, with /health, /ready and /metrics.
${RUNTIME_FLAGS_HELP}
`;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, RUNTIME_FLAGS, USAGE);
  const config = loadConfig(runtimeFlags(values));
  const runtime = await Runtime.create(config);
  logUnhandledRejections(runtime.logger);
  const created = await runtime.bootstrap();
  const url = await runtime.start();
  if (runtime.embedded) await printWelcome(runtime, url, created);
  else printShared(runtime, url, created);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ signal }, 'shutting down');
    runtime.close().then(
      () => process.exit(0),
      (error: unknown) => {
        runtime.logger.error({ err: error, signal }, 'shutdown failed; exiting without a full drain');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/**
 * PostgreSQL: a shared, clustered store whose replicas' output goes to container logs that
 * many can read, so the endpoint and how to mint a token, never a token.
 */
function printShared(runtime: Runtime, url: string, created: boolean): void {
  const { bootstrapTenant: tenant, jwtSecret, jwtAudience } = runtime.config;
  const mint = jwtSecret
    ? ['Mint a token with the same DEBUG_HOST_JWT_SECRET (tokens are never printed on a shared store):',
        `  debug-host token --tenant ${tenant} --role developer --ttl 8h`]
    : [`Tokens come from the identity provider of DEBUG_HOST_JWKS_URL (claims tenant and role, audience ${jwtAudience}).`];
  process.stdout.write(
    [
      `debug-host ${runtime.version} serving MCP at ${url} (PostgreSQL, replica ${runtime.config.replicaId})`,
      ...(created ? [`Created tenant '${tenant}'.`] : []),
      ...mint,
      '',
    ].join('\n'),
  );
}

/** The embedded default: one person on this machine, so the token and a pasteable config. */
async function printWelcome(runtime: Runtime, url: string, created: boolean): Promise<void> {
  const tenant = runtime.config.bootstrapTenant;
  const token = await runtime.tokens.mint({ tenant, role: 'developer', ttl: '30d' });
  const config = { mcpServers: { 'debug-host': { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } };
  process.stdout.write(
    [
      `Debug Host ${runtime.version} is serving MCP at ${url}`,
      created ? `Created tenant '${tenant}'.` : `Tenant '${tenant}' is ready.`,
      '',
      `Developer token for '${tenant}' (valid 30 days):`,
      token,
      '',
      'MCP client config (Cursor .cursor/mcp.json, Claude Desktop, VS Code):',
      JSON.stringify(config, null, 2),
      '',
      'Claude Code:',
      `  claude mcp add --transport http debug-host ${url} --header "Authorization: Bearer ${token}"`,
      'MCP Inspector:',
      `  npx @modelcontextprotocol/inspector  (transport Streamable HTTP, URL ${url}, header Authorization: Bearer <token>)`,
      '',
    ].join('\n'),
  );
}
