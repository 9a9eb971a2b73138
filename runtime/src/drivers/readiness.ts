/**
 * Readiness: the port accepts connections, a log pattern appears, or an HTTP check passes.
 * Polls are cheap and stop as soon as the run ends.
 */
import { connect } from 'node:net';
import type { ReadinessCheck } from '../domain/types.js';

export const POLL_MS = 100;

export function isPortOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function httpOk(host: string, port: number, path: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(1000), redirect: 'manual' });
    return response.status < 400;
  } catch {
    return false;
  }
}

/**
 * Watches one run until it is ready. `offerLine` feeds log lines for `log` checks.
 * `ready` resolves true when ready, false when cancelled (the run ended first).
 */
export class ReadinessWatch {
  readonly ready: Promise<boolean>;
  private resolve!: (ready: boolean) => void;
  private settled = false;
  private readonly pattern?: RegExp;

  /** `reported`: readiness the driver's platform reports (a Pod's Ready condition), used instead of probing from here. */
  constructor(check: ReadinessCheck, host: string, port: number, reported?: Promise<boolean>) {
    this.ready = new Promise((resolve) => (this.resolve = resolve));
    if (check.kind === 'none') this.finish(true);
    else if (check.kind === 'log') this.pattern = new RegExp(check.pattern, 'i');
    else if (reported) void reported.then((ready) => this.finish(ready), () => this.finish(false));
    else void this.poll(() => (check.kind === 'port' ? isPortOpen(host, port) : httpOk(host, port, check.path)));
  }

  offerLine(line: string): void {
    if (this.pattern?.test(line)) this.finish(true);
  }

  cancel(): void {
    this.finish(false);
  }

  private async poll(probe: () => Promise<boolean>): Promise<void> {
    while (!this.settled) {
      if (await probe()) return this.finish(true);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private finish(ready: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(ready);
  }
}
