/**
 * Runs a project as a child process group on this replica: `sh -c <command>` in its own
 * group so that a stop reaches everything it spawned. The embedded default and the driver
 * of the tests. Every group is registered with the process keeper, which kills it if this
 * replica dies or its owner lease runs out, so that no run outlives its supervisor.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { OwnerLease } from '../cluster/owner-lease.js';
import type { LogStream } from '../domain/types.js';
import type { Driver, ExitInfo, LaunchSpec, LineListener, OrphanRef, RunHandle } from './driver.js';
import { ProcessKeeper } from './process-keeper.js';

/** Variables a project inherits from the runtime; the runtime's own secrets never leak. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'SHELL', 'TERM'];

/**
 * The shell waits for `go` on fd 3 before it becomes the project's command (same pid, so the
 * group the keeper knows is the project's): without it (the runtime died first) it exits 111.
 */
export const COMMAND_GATE = 'read -r go <&3 || exit 111; exec 3<&-; exec /bin/sh -c "$1"';

/** After exit, how long to wait for pipes held open by a grandchild before closing them. */
const PIPE_DRAIN_MS = 2000;

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

    const child = spawn('/bin/sh', ['-c', COMMAND_GATE, 'sh', spec.command], {
      cwd: spec.cwd,
      env,
      detached: true, // own process group: kill(-pid) reaches grandchildren
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    await Promise.race([
      once(child, 'spawn'),
      once(child, 'error').then(([error]) => {
        throw error as Error;
      }),
    ]);
    const pid = child.pid as number;
    const gate = child.stdio[3] as Writable;
    // A child killed before it read `go` resets the socket: nothing to report, its exit is.
    gate.on('error', () => undefined);
    try {
      // The command runs only once the keeper knows its group: a replica that dies (or is
      // paused) right after the spawn leaves nothing that nobody would kill.
      await this.keeper.add(pid);
    } catch (error) {
      signalGroup(pid, 'SIGKILL');
      throw error;
    }
    gate.end('go\n');

    const stdout = child.stdout as Readable;
    const stderr = child.stderr as Readable;
    const drained = [pump(stdout, 'stdout', onLine), pump(stderr, 'stderr', onLine)];
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        const info = { code, signal };
        const timer = setTimeout(() => {
          stdout.destroy();
          stderr.destroy();
        }, PIPE_DRAIN_MS);
        void Promise.all(drained).then(() => {
          clearTimeout(timer);
          this.keeper.remove(pid);
          resolve(info);
        });
      });
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

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
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
