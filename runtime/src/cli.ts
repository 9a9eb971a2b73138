#!/usr/bin/env node
/** `debug-host`: the runtime's command line. */
import { DebugHostError } from './domain/errors.js';
import { autoscalerCommand } from './cli/autoscaler.js';
import { clusterCommand } from './cli/cluster.js';
import { serveCommand } from './cli/serve.js';
import { stdioCommand } from './cli/stdio.js';
import { tenantCommand } from './cli/tenant.js';
import { tokenCommand } from './cli/token.js';
import { packageVersion } from './version.js';

const USAGE = `
Usage: debug-host <command> [options]

Commands:
  serve     Serve MCP over Streamable HTTP (default port 2601) with /health, /ready, /metrics
  stdio     Serve the same tools over stdio for one local agent
  token     Mint a bearer token for a tenant and role
  tenant    Manage tenants through a running server (list, create, update, suspend, resume, delete)
  cluster   Start N replicas on loopback sharing one PostgreSQL (cluster up --replicas 3)
  autoscaler  Replay a demand trace through the HPA, the predictive floor and an oracle (autoscaler replay --trace FILE)

Run \`debug-host <command> --help\` for the options of a command.
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  serve: serveCommand,
  stdio: stdioCommand,
  token: tokenCommand,
  tenant: tenantCommand,
  cluster: clusterCommand,
  autoscaler: autoscalerCommand,
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE.trim()}\n`);
    return;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`Unknown command '${command}'.\n\n${USAGE.trim()}\n`);
    process.exit(2);
  }
  await run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof DebugHostError && error.fix ? `${error.message} ${error.fix}` : (error as Error).message;
  process.stderr.write(`debug-host: ${message}\n`);
  process.exit(1);
});
