/**
 * One shared list+watch of the driver's Pods per namespace (label-selected), not one watch
 * per Pod: runs subscribe by Pod name and hear every change. A namespace's watch starts
 * with its first run and stops with its last; after an error it is restarted with backoff.
 */
import { ADD, DELETE, ERROR, UPDATE, type CoreV1Api, type Informer, type KubeConfig, type ObjectCache, type V1Pod, makeInformer } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { MANAGED_SELECTOR } from './pod-spec.js';

export type PodEvent = 'update' | 'delete';
export type PodListener = (event: PodEvent, pod: V1Pod) => void;

interface NamespaceWatch {
  readonly informer: Informer<V1Pod> & ObjectCache<V1Pod>;
  readonly listeners: Map<string, Set<PodListener>>;
  readonly synced: Promise<void>;
  retryMs: number;
  retry?: NodeJS.Timeout;
  stopped: boolean;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

/** How a namespace's list+watch is made (tests give a fake one). */
export type InformerFactory = typeof makeInformer<V1Pod>;

export class PodWatcher {
  private readonly namespaces = new Map<string, NamespaceWatch>();

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly core: CoreV1Api,
    private readonly logger: Pick<Logger, 'warn' | 'debug'>,
    private readonly informerFor: InformerFactory = makeInformer,
  ) {}

  /** Hears every change of Pod `name`; resolves once the namespace's cache is listed. Returns the unsubscribe. */
  async subscribe(namespace: string, name: string, listener: PodListener): Promise<() => void> {
    const watch = this.namespaces.get(namespace) ?? this.open(namespace);
    const forName = watch.listeners.get(name) ?? new Set<PodListener>();
    forName.add(listener);
    watch.listeners.set(name, forName);
    await watch.synced;
    return () => {
      forName.delete(listener);
      if (forName.size === 0 && watch.listeners.get(name) === forName) watch.listeners.delete(name);
      if (watch.listeners.size === 0) this.closeNamespace(namespace, watch);
    };
  }

  /** The cached Pod, when its namespace is watched. */
  get(namespace: string, name: string): V1Pod | undefined {
    return this.namespaces.get(namespace)?.informer.get(name, namespace);
  }

  /** How many namespaces are watched (one watch each). */
  get watchCount(): number {
    return this.namespaces.size;
  }

  async close(): Promise<void> {
    for (const [namespace, watch] of this.namespaces) this.closeNamespace(namespace, watch);
  }

  private open(namespace: string): NamespaceWatch {
    const informer = this.informerFor(
      this.kubeConfig,
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }),
      MANAGED_SELECTOR,
    );
    let markSynced!: () => void;
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const watch: NamespaceWatch = { informer, listeners: new Map(), synced, retryMs: RETRY_MIN_MS, stopped: false };
    const deliver = (event: PodEvent) => (pod: V1Pod) => {
      const name = pod.metadata?.name;
      if (name) for (const listener of [...(watch.listeners.get(name) ?? [])]) listener(event, pod);
    };
    informer.on(ADD, deliver('update'));
    informer.on(UPDATE, deliver('update'));
    informer.on(DELETE, deliver('delete'));
    // The list failed or the watch broke (an ERROR event), or start itself rejected (credentials
    // that cannot be loaded): runs keep their state either way, and the watch comes back.
    const restart = (error?: unknown): void => {
      markSynced();
      if (watch.stopped || watch.retry) return;
      this.logger.warn({ err: error, namespace, retryInMs: watch.retryMs }, 'pod watch failed; restarting');
      watch.retry = setTimeout(() => {
        watch.retry = undefined;
        if (!watch.stopped) start();
      }, watch.retryMs);
      watch.retry.unref();
      watch.retryMs = Math.min(watch.retryMs * 2, RETRY_MAX_MS);
    };
    const start = (): void => {
      informer.start().then(() => {
        markSynced();
        if (!watch.retry) watch.retryMs = RETRY_MIN_MS; // watching again, not just reported an ERROR
      }, restart);
    };
    informer.on(ERROR, restart);
    this.namespaces.set(namespace, watch);
    start();
    return watch;
  }

  private closeNamespace(namespace: string, watch: NamespaceWatch): void {
    watch.stopped = true;
    if (watch.retry) clearTimeout(watch.retry);
    if (this.namespaces.get(namespace) === watch) this.namespaces.delete(namespace);
    void watch.informer.stop().catch(() => undefined);
  }
}
