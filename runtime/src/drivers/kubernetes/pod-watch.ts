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

export class PodWatcher {
  private readonly namespaces = new Map<string, NamespaceWatch>();

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly core: CoreV1Api,
    private readonly logger: Pick<Logger, 'warn' | 'debug'>,
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
    const informer = makeInformer<V1Pod>(
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
    informer.on(ERROR, (error?: unknown) => {
      // The first list failed or the watch broke: runs keep their state; the watch comes back.
      markSynced();
      if (watch.stopped) return;
      this.logger.warn({ err: error, namespace, retryInMs: watch.retryMs }, 'pod watch failed; restarting');
      watch.retry = setTimeout(() => {
        if (watch.stopped) return;
        void informer.start().then(() => (watch.retryMs = RETRY_MIN_MS));
      }, watch.retryMs);
      watch.retry.unref();
      watch.retryMs = Math.min(watch.retryMs * 2, RETRY_MAX_MS);
    });
    this.namespaces.set(namespace, watch);
    void informer.start().then(markSynced, markSynced);
    return watch;
  }

  private closeNamespace(namespace: string, watch: NamespaceWatch): void {
    watch.stopped = true;
    if (watch.retry) clearTimeout(watch.retry);
    if (this.namespaces.get(namespace) === watch) this.namespaces.delete(namespace);
    void watch.informer.stop().catch(() => undefined);
  }
}
