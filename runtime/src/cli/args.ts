import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedCommand {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** Parses a subcommand's flags; unknown flags stop with the list of known ones. */
export function parse(argv: string[], options: Options, usage: string): ParsedCommand {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    if (values.help) {
      process.stdout.write(`${usage.trim()}\n`);
      process.exit(0);
    }
    return { values: values as ParsedCommand['values'], positionals };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
}

export const str = (value: string | boolean | undefined): string | undefined => (typeof value === 'string' ? value : undefined);

export const RUNTIME_FLAGS: Options = {
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  'replica-id': { type: 'string' },
  'log-level': { type: 'string' },
};

export const RUNTIME_FLAGS_HELP = `
  --host <addr>          Interface to listen on (DEBUG_HOST_HOST, default 127.0.0.1)
  --port <n>             MCP/health/metrics port (DEBUG_HOST_PORT, default 2601)
  --data-dir <dir>       Embedded store and local secret (DEBUG_HOST_DATA_DIR, default .debug-host)
  --database-url <url>   PostgreSQL instead of the embedded store (DATABASE_URL)
  --replica-id <id>      Name of this replica (DEBUG_HOST_REPLICA_ID, default POD_NAME or host-pid)
  --log-level <level>    trace|debug|info|warn|error|fatal|silent (DEBUG_HOST_LOG_LEVEL, default info)
  Tokens are verified with DEBUG_HOST_JWT_SECRET or DEBUG_HOST_JWKS_URL; in embedded mode a
  secret is generated into the data dir. On PostgreSQL replicas sign forwarded calls with
  DEBUG_HOST_CLUSTER_SECRET (default DEBUG_HOST_JWT_SECRET; one of them is required).`;

export function runtimeFlags(values: ParsedCommand['values']): Record<string, unknown> {
  return {
    host: str(values.host),
    port: str(values.port),
    dataDir: str(values['data-dir']),
    databaseUrl: str(values['database-url']),
    replicaId: str(values['replica-id']),
    logLevel: str(values['log-level']),
  };
}
