/**
 * One project run as a Pod, seen through the shared Pod watch: Ready condition -> `ready`,
 * container running -> log follow, Succeeded/Failed or deleted -> `exited` (after the log
 * is read to its end). Waiting reasons (image pull, unschedulable) go to the project's log.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ExitInfo, LineListener, RunHandle } from '../driver.js';
import { followLogs, type LogFollower } from './pod-logs.js';
import type { PodEvent } from './pod-watch.js';
import type { KubeObjects } from './kube-objects.js';

/** How long a finished run waits for the rest of its log before it reports the exit. */
const LOG_DRAIN_MS = 2000;
/** Beyond the grace period, how long a deleted Pod may take to disappear before it is forced. */
const DELETE_SLACK_MS = 10_000;

export interface PodRunDeps {
  readonly objects: KubeObjects;
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
  readonly onLine: LineListener;
  readonly logger: Pick<Logger, 'debug' | 'warn'>;
  /** Only log lines after this time (an adopted Pod). */
  readonly logsSince?: Date;
}

export class PodRun {
  uid?: string;
  readonly ready: Promise<boolean>;
  readonly exited: Promise<ExitInfo>;
  private resolveReady!: (ready: boolean) => void;
  private resolveExited!: (exit: ExitInfo) => void;
  private logs?: LogFollower;
  private ended = false;
  private stopping = false;
  private terminal = false;
  private lastNotice = '';
  /** Set by the driver: stops hearing the watch. */
  unsubscribe: () => void = () => undefined;

  constructor(private readonly deps: PodRunDeps) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  handle(): RunHandle {
    return { host: this.deps.name, exited: this.exited, ready: this.ready, stop: (graceMs) => this.stop(graceMs), detach: () => this.detach() };
  }

  /** From the shared watch; events of another Pod under the same name (a leftover) are ignored. */
  onPod(event: PodEvent, pod: V1Pod): void {
    if (this.ended || !this.uid || pod.metadata?.uid !== this.uid) return;
    if (event === 'delete') {
      if (this.terminal) return; // finishTerminal deleted it and reports the exit it saw
      // The container is gone; a follow that has not ended by itself soon never will (kwok).
      void this.end({ code: this.exitCode(pod), signal: this.stopping ? 'SIGTERM' : 'SIGKILL' }, 500);
      return;
    }
    const status = pod.status;
    if (status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) this.resolveReady(true);
    const state = status?.containerStatuses?.find((c) => c.name === this.deps.container)?.state;
    if (!this.logs && (state?.running || state?.terminated)) this.startLogs();
    this.notice(pod);
    if ((status?.phase === 'Succeeded' || status?.phase === 'Failed') && !this.terminal) {
      this.terminal = true;
      void this.finishTerminal(pod);
    }
  }

  async stop(graceMs: number): Promise<ExitInfo> {
    this.stopping = true;
    if (this.ended) return this.exited;
    const { objects, namespace, name } = this.deps;
    await objects.deleteService(namespace, name).catch((error: unknown) => this.deps.logger.warn({ err: error, name }, 'could not delete the Service'));
    await objects.deletePod(namespace, name, { graceSeconds: Math.ceil(graceMs / 1000), uid: this.uid });
    if (await within(this.exited, graceMs + DELETE_SLACK_MS)) return this.exited;
    // The node did not confirm in time (gone, or partitioned): force, as SIGKILL does.
    await objects.deletePod(namespace, name, { graceSeconds: 0, uid: this.uid }).catch(() => undefined);
    if (!(await within(this.exited, 5000))) await this.end({ code: null, signal: 'SIGKILL' });
    return this.exited;
  }

  /** Stops watching and following the log; the Pod keeps running for its next owner to adopt. */
  async detach(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.resolveReady(false);
    this.logs?.stop();
    await this.logs?.done;
    this.resolveExited({ code: null, signal: null });
  }

  /** The driver gave up on the run before it started (create refused). */
  abandon(): void {
    this.ended = true;
    this.unsubscribe();
    this.resolveReady(false);
  }

  private startLogs(): void {
    this.logs = followLogs({
      log: this.deps.objects.log,
      namespace: this.deps.namespace,
      pod: this.deps.name,
      container: this.deps.container,
      since: this.deps.logsSince,
      follow: () => !this.terminal && !this.ended,
      onLine: (line) => this.deps.onLine('stdout', line),
      onTrouble: (message) => this.deps.onLine('system', `log of pod ${this.deps.name} unavailable (retrying): ${message}`),
      logger: this.deps.logger,
    });
  }

  /** restartPolicy Never: a finished Pod stays until deleted; it is removed once its log is read. */
  private async finishTerminal(pod: V1Pod): Promise<void> {
    if (!this.logs) this.startLogs();
    await within(this.logs?.done ?? Promise.resolve(), LOG_DRAIN_MS);
    const { objects, namespace, name } = this.deps;
    await objects.deleteService(namespace, name).catch(() => undefined);
    await objects.deletePod(namespace, name, { graceSeconds: 0, uid: this.uid }).catch(() => undefined);
    await this.end({ code: this.exitCode(pod) ?? 1, signal: null });
  }

  private exitCode(pod: V1Pod): number | null {
    const terminated = pod.status?.containerStatuses?.find((c) => c.name === this.deps.container)?.state?.terminated;
    return terminated ? terminated.exitCode : null;
  }

  /** Why a Pod is not running yet, once per distinct reason, as a system line. */
  private notice(pod: V1Pod): void {
    const waiting = pod.status?.containerStatuses?.find((c) => c.name === this.deps.container)?.state?.waiting;
    const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const reason = waiting?.reason && waiting.reason !== 'ContainerCreating' ? waiting : unscheduled;
    if (!reason?.reason) return;
    const text = `pod ${this.deps.name}: ${reason.reason}${reason.message ? `: ${reason.message}` : ''}`;
    if (text === this.lastNotice) return;
    this.lastNotice = text;
    this.deps.onLine('system', text);
  }

  private async end(exit: ExitInfo, drainMs = LOG_DRAIN_MS): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.unsubscribe();
    this.resolveReady(false);
    if (this.logs) {
      // Lines already on their way are delivered; a follow that would wait forever is cut.
      if (!(await within(this.logs.done, drainMs))) this.logs.stop();
      await this.logs.done;
    }
    this.resolveExited(exit);
  }
}

/** True when `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(() => true as const, () => true as const);
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
