/**
 * The process driver's spawner and dead man's switch: a small separate process (its program
 * is drivers/keeper-source.ts) that spawns every project process group of this replica,
 * relays their output, and kills them all (SIGKILL) when
 * - this replica dies (kill -9, OOM): its end of the keeper's stdin closes; or
 * - the owner lease runs out (cluster/owner-lease.ts): the replica is paused (SIGSTOP, a
 *   GC pause) or cut off from the store and did not renew in time, so peers are about to
 *   take its runs over.
 * It is the part of the fence that does not depend on the replica running, and it keeps the
 * cost of a fork (in proportion to the forking process's memory, and blocking) off the
 * runtime. It ignores SIGINT, SIGTERM and SIGHUP (a terminal's Ctrl-C reaches the whole
 * foreground group; the runtime stops its projects itself) and ends when its stdin closes.
 * When the keeper itself dies, its runs are killed and end as SIGKILL; the next spawn
 * starts a new keeper.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { OwnerLease } from '../cluster/owner-lease.js';
import type { ExitInfo } from './driver.js';
import { FRAME, FRAME_HEADER_BYTES, KEEPER_SOURCE } from './keeper-source.js';

/** How long a spawn waits for the keeper's answer before it gives up. */
const SPAWN_TIMEOUT_MS = 10_000;

export interface KeeperSpawn {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Run as this user and group (the keeper runs as root). @default - the runtime's */
  readonly uid?: number;
  readonly gid?: number;
}

/** A process group the keeper spawned: its leader's pid, its output, and its end. */
export interface KeptProcess {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves after the group leader exited and its output was relayed (or the keeper died). */
  readonly exited: Promise<ExitInfo>;
}

interface Pending {
  readonly resolve: (process: KeptProcess) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface Live {
  readonly pid: number;
  readonly stdout: PassThrough;
  readonly stderr: PassThrough;
  readonly exit: (info: ExitInfo) => void;
}

export class ProcessKeeper {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly live = new Map<number, Live>();
  private hold: number | null = null;
  private closed = false;

  constructor(
    lease: OwnerLease,
    private readonly logger?: Pick<Logger, 'error' | 'warn'>,
  ) {
    lease.onRenew((remainingMs) => {
      this.hold = remainingMs === Infinity ? null : Math.floor(remainingMs);
      if (this.child) this.send({ op: 'hold', ms: this.hold });
    });
  }

  /** The keeper's pid, once started (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns a process group through the keeper; it runs its command only once its pid is known here. */
  spawn(spec: KeeperSpawn): Promise<KeptProcess> {
    if (this.closed) return Promise.reject(new Error('the process driver is closed'));
    const id = this.nextId++;
    return new Promise<KeptProcess>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.holdOpen();
        reject(new Error(`the process keeper did not answer a spawn within ${SPAWN_TIMEOUT_MS} ms`));
      }, SPAWN_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ op: 'spawn', id, ...spec });
      this.holdOpen();
    });
  }

  /** Ends the keeper; it kills whatever still runs, and those runs end as killed. */
  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
  }

  /** Like a child's own pipes, the keeper's keep the runtime alive while it has runs. */
  private holdOpen(): void {
    const frames = this.child?.stdio[3] as Socket | undefined;
    if (this.pending.size + this.live.size > 0) frames?.ref();
    else frames?.unref();
  }

  private send(message: object): void {
    const child = this.child ?? this.start();
    child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  private start(): ChildProcess {
    const child = spawn(process.execPath, ['-e', KEEPER_SOURCE], { stdio: ['pipe', 'ignore', 'inherit', 'pipe'], env: {} });
    this.child = child;
    const frames = child.stdio[3] as Socket;
    let buffered: Buffer = Buffer.alloc(0);
    frames.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= FRAME_HEADER_BYTES) {
        const length = buffered.readUInt32BE(5);
        if (buffered.length < FRAME_HEADER_BYTES + length) break;
        this.onFrame(buffered.readUInt8(0), buffered.readUInt32BE(1), buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length));
        buffered = buffered.subarray(FRAME_HEADER_BYTES + length);
      }
    });
    frames.on('error', () => undefined);
    // Nothing here keeps the runtime alive; when the runtime ends, the pipe closes and the keeper acts.
    child.unref();
    frames.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    child.once('exit', (code, signal) => this.onKeeperExit(child, code, signal));
    child.stdin?.write(`${JSON.stringify({ op: 'hold', ms: this.hold })}\n`);
    return child;
  }

  private onFrame(type: number, id: number, payload: Buffer): void {
    switch (type) {
      case FRAME.spawned: {
        const { pid } = JSON.parse(payload.toString('utf8')) as { pid: number };
        const pending = this.pending.get(id);
        // Answered after the spawn gave up: nobody supervises it, so it must not run.
        if (!pending) return signalGroup(pid, 'SIGKILL');
        this.pending.delete(id);
        clearTimeout(pending.timer);
        const stdout = new PassThrough();
        const stderr = new PassThrough();
        const exited = new Promise<ExitInfo>((exit) => this.live.set(id, { pid, stdout, stderr, exit }));
        pending.resolve({ pid, stdout, stderr, exited });
        return;
      }
      case FRAME.failed: {
        const pending = this.pending.get(id);
        if (!pending) return;
        this.pending.delete(id);
        clearTimeout(pending.timer);
        const { message, code } = JSON.parse(payload.toString('utf8')) as { message: string; code?: string };
        pending.reject(Object.assign(new Error(message), code ? { code } : {}));
        this.holdOpen();
        return;
      }
      case FRAME.stdout:
      case FRAME.stderr: {
        const run = this.live.get(id);
        // A copy: the frame's bytes are a view of the keeper's read buffer.
        if (run) (type === FRAME.stdout ? run.stdout : run.stderr).write(Buffer.from(payload));
        return;
      }
      case FRAME.exited: {
        const run = this.live.get(id);
        if (!run) return;
        this.live.delete(id);
        run.stdout.end();
        run.stderr.end();
        run.exit(JSON.parse(payload.toString('utf8')) as ExitInfo);
        this.holdOpen();
        return;
      }
    }
  }

  /** Its runs lost their supervisor's last line of defence and their output: they end here, killed. */
  private onKeeperExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = undefined;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('the process keeper ended before it confirmed the spawn'));
      this.pending.delete(id);
    }
    if (!this.closed && this.live.size > 0) {
      this.logger?.error({ code, signal, runs: this.live.size }, 'the process keeper ended; its runs are killed');
    }
    for (const [id, run] of this.live) {
      signalGroup(run.pid, 'SIGKILL');
      run.stdout.end();
      run.stderr.end();
      run.exit({ code: null, signal: 'SIGKILL' });
      this.live.delete(id);
    }
  }
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
