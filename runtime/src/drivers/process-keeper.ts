/**
 * The dead man's switch of the process driver: a small separate process that knows every
 * project process group this replica started and kills them all (SIGKILL) when
 * - this replica dies (kill -9, OOM): its end of the keeper's stdin closes; or
 * - the owner lease runs out (cluster/owner-lease.ts): the replica is paused (SIGSTOP, a
 *   GC pause) or cut off from the store and did not renew in time, so peers are about to
 *   take its runs over.
 * It is the part of the fence that does not depend on the replica running. It ignores
 * SIGINT, SIGTERM and SIGHUP (a terminal's Ctrl-C reaches the whole foreground group; the
 * runtime stops its projects itself) and ends when its stdin closes.
 *
 * Protocol, one line each on its stdin: `+<pgid>`, `-<pgid>`, `hold <ms>|inf`; it answers
 * every `+<pgid>` with `ok <pgid>` on its stdout, and the driver lets a command run only then.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import type { OwnerLease } from '../cluster/owner-lease.js';

/** Plain JavaScript for `node -e`, so that it runs the same from source, the package and the bundle. */
const KEEPER_SOURCE = String.raw`
const { performance } = require('node:perf_hooks');
const groups = new Set();
let deadline = Infinity;
const killAll = (why) => {
  if (groups.size === 0) return;
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  process.stderr.write('debug-host keeper: killed ' + groups.size + ' project process group(s): ' + why + '\n');
  groups.clear();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (line[0] === '+') { groups.add(Number(line.slice(1))); process.stdout.write('ok ' + line.slice(1) + '\n'); }
    else if (line[0] === '-') groups.delete(Number(line.slice(1)));
    else if (line.startsWith('hold ')) deadline = line === 'hold inf' ? Infinity : performance.now() + Number(line.slice(5));
  }
});
process.stdin.on('end', () => { killAll('the runtime process ended'); process.exit(0); });
setInterval(() => { if (performance.now() >= deadline) killAll('the owner lease ran out (the runtime was paused or cut off)'); }, 50);
`;

/** How long a launch waits for the keeper to know its group before it gives up. */
const ACK_TIMEOUT_MS = 10_000;

export class ProcessKeeper {
  private child?: ChildProcess;
  private readonly groups = new Set<number>();
  private readonly acks = new Map<number, () => void>();
  private holdLine = 'hold inf';
  private closed = false;

  constructor(
    lease: OwnerLease,
    private readonly logger?: Pick<Logger, 'error' | 'warn'>,
  ) {
    lease.onRenew((remainingMs) => this.hold(remainingMs));
  }

  /** The keeper's pid, once started (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Registers a group; resolves once the keeper has it (it would kill it from then on). */
  add(pgid: number): Promise<void> {
    this.groups.add(pgid);
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(pgid);
        reject(new Error(`the process keeper did not take process group ${pgid} within ${ACK_TIMEOUT_MS} ms`));
      }, ACK_TIMEOUT_MS);
      this.acks.set(pgid, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.send(`+${pgid}`);
    return acked;
  }

  remove(pgid: number): void {
    this.groups.delete(pgid);
    this.acks.delete(pgid);
    this.send(`-${pgid}`);
  }

  /** Ends the keeper; it kills whatever is still registered. */
  close(): void {
    this.closed = true;
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private hold(remainingMs: number): void {
    this.holdLine = remainingMs === Infinity ? 'hold inf' : `hold ${Math.floor(remainingMs)}`;
    if (this.child) this.send(this.holdLine);
  }

  private send(line: string): void {
    const child = this.child ?? this.spawn();
    child?.stdin?.write(`${line}\n`);
  }

  private spawn(): ChildProcess | undefined {
    if (this.closed) return undefined;
    const child = spawn(process.execPath, ['-e', KEEPER_SOURCE], { stdio: ['pipe', 'pipe', 'inherit'], env: {} });
    this.child = child;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const pgid = Number(line.slice(3));
      const ack = this.acks.get(pgid);
      this.acks.delete(pgid);
      ack?.();
    });
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdout?.on('error', () => undefined);
    // Neither keeps the runtime alive; when the runtime ends, the pipe closes and the keeper acts.
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => undefined);
    child.once('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.closed) return;
      this.logger?.error({ code, signal }, 'the process keeper ended; starting it again');
      this.spawn();
    });
    child.stdin?.write(`${this.holdLine}\n`);
    for (const pgid of this.groups) child.stdin?.write(`+${pgid}\n`);
    return child;
  }
}
