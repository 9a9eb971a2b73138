/**
 * `debug-host cluster up --replicas N`: N replicas on loopback sharing one PostgreSQL, for
 * trying the cluster on one machine. Replicas find each other through the store's heartbeat
 * table; Ctrl-C drains and stops them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse, str } from './args.js';

const USAGE = `
Usage: debug-host cluster up [--replicas 3] [--base-port 2601] [--database-url <url>]

Starts N replicas of \`debug-host serve\` on 127.0.0.1, ports base-port, base-port+10, ...
sharing DATABASE_URL (required: replicas form a cluster through PostgreSQL) and
DEBUG_HOST_JWT_SECRET (required). DEBUG_HOST_REDIS_URL and DEBUG_HOST_KAFKA_BROKERS are
passed on when set. Ctrl-C drains and stops every replica.
`;

export async function clusterCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { replicas: { type: 'string' }, 'base-port': { type: 'string' }, 'database-url': { type: 'string' } }, USAGE);
  if (positionals[0] !== 'up') throw new Error(`Unknown cluster action '${positionals[0] ?? ''}'. Use \`debug-host cluster up --replicas 3\`.`);
  const replicas = Number(str(values.replicas) ?? '3');
  const basePort = Number(str(values['base-port']) ?? '2601');
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 32) throw new Error('--replicas must be a whole number from 1 to 32.');
  const databaseUrl = str(values['database-url']) ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('A cluster needs a shared PostgreSQL: pass --database-url or set DATABASE_URL (`eval "$(scripts/services up postgres)"`).');
  if (!process.env.DEBUG_HOST_JWT_SECRET) throw new Error('Set DEBUG_HOST_JWT_SECRET (32+ characters): every replica must verify the same tokens.');

  // The entry this process was started with (cli.ts under tsx, dist/cli.js, the image's bundle).
  const cli = process.argv[1] ?? fileURLToPath(new URL('../cli.js', import.meta.url));
  const children: ChildProcess[] = [];
  for (let i = 0; i < replicas; i += 1) {
    const id = `replica-${i + 1}`;
    const child = spawn(process.execPath, [...process.execArgv, cli, 'serve', '--port', String(basePort + i * 10), '--replica-id', id, '--database-url', databaseUrl], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    child.once('exit', (code, signal) => process.stderr.write(`${id} exited (${signal ?? code})\n`));
    children.push(child);
  }
  const stop = (): void => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
}
