/**
 * Runs a project as a child process group on this replica: `sh -c <command>` in its own
 * group so that a stop reaches everything it spawned. The embedded default and the driver
 * of the tests. Every group is registered with the process keeper, which kills it if this
 * replica dies or its owner lease runs out, so that no run outlives its supervisor.
 */
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { OwnerLease } from '../cluster/owner-lease.js';
import type { LogStream } from '../domain/types.js';
import type { Driver, ExitInfo, LaunchSpec, LineListener, OrphanRef, RunHandle } from './driver.js';
import { COMMAND_GATE } from './keeper-source.js';
import { ProcessKeeper, signalGroup } from './process-keeper.js';

export { COMMAND_GATE };

/** Variables a project inherits from the runtime; the runtime's own secrets never leak. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'SHELL', 'TERM'];

export interface ProcessDriverOptions {
  /** Until when this replica may run its projects. @default OwnerLease.alone() */
  readonly lease?: OwnerLease;
  readonly logger?: Pick<Logger, 'error' | 'warn'>;
}

export class ProcessDriver implements Driver {
  readonly name = 'process';
  private readonly keeper: ProcessKeeper;

  constructor(options: ProcessDriverOptions = {}) {
    this.keeper = new ProcessKeeper(options.lease ?? OwnerLease.alone(), options.logger);
  }

  async launch(spec: LaunchSpec, onLine: LineListener): Promise<RunHandle> {
    const env: Record<string, string> = {};
    for (const key of INHERITED_ENV) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
    Object.assign(env, spec.env, { PORT: String(spec.port), DEBUG_HOST_PROJECT_ID: spec.projectId });

    // The keeper spawns it (a fork from this process would cost in proportion to its memory)
    // and registers the group before the command may run (COMMAND_GATE).
    const child = await this.keeper.spawn({ file: '/bin/sh', args: ['-c', COMMAND_GATE, 'sh', spec.command], cwd: spec.cwd, env });
    const { pid } = child;
    const drained = Promise.all([pump(child.stdout, 'stdout', onLine), pump(child.stderr, 'stderr', onLine)]);
    const exited = child.exited.then(async (info) => {
      await drained;
      return info;
    });

    return {
      pid,
      host: '127.0.0.1',
      exited,
      stop: async (graceMs) => {
        signalGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        const info = await exited;
        clearTimeout(timer);
        signalGroup(pid, 'SIGKILL'); // whatever of the group outlived its leader
        return info;
      },
    };
  }

  /** Projects share the host's network: a port some other process holds is skipped. */
  portAvailable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
  }

  async close(): Promise<void> {
    this.keeper.close();
  }

  async reapOrphan({ pid }: OrphanRef): Promise<void> {
    if (pid === undefined || !isAlive(pid)) return;
    signalGroup(pid, 'SIGTERM');
    for (let waited = 0; waited < 3000 && isAlive(pid); waited += 100) await delay(100);
    signalGroup(pid, 'SIGKILL');
  }
}

function pump(stream: Readable, name: LogStream, onLine: LineListener): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (line) => onLine(name, line));
  return new Promise((resolve) => lines.once('close', resolve));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
