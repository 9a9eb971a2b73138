/**
 * The Pod watch of the kubernetes driver when its informer's start fails in a way the
 * informer does not report as an ERROR event (a rejected start: credentials that cannot be
 * loaded, no active cluster): logged with its namespace, retried, and never an unhandled
 * rejection, which would take the replica down.
 */
import { EventEmitter } from 'node:events';
import { CoreV1Api, ERROR, KubeConfig, type Informer, type ObjectCache, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodWatcher } from '../../runtime/src/drivers/kubernetes/pod-watch.js';
import { eventually } from './harness.js';

/** An informer whose first start reports an ERROR (a failed list) and whose restarts reject. */
function failingInformer(starts: { count: number }): Informer<V1Pod> & ObjectCache<V1Pod> {
  const events = new EventEmitter();
  return {
    on: (verb: string, cb: (...args: unknown[]) => void) => void events.on(verb, cb),
    off: (verb: string, cb: (...args: unknown[]) => void) => void events.off(verb, cb),
    start: async () => {
      starts.count += 1;
      if (starts.count === 1) return void events.emit(ERROR, new Error('list failed'));
      throw new Error('credentials could not be loaded');
    },
    stop: async () => undefined,
    get: () => undefined,
    list: () => [],
  } as unknown as Informer<V1Pod> & ObjectCache<V1Pod>;
}

describe('PodWatcher', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeEach(() => void process.on('unhandledRejection', onUnhandled));
  afterEach(() => void process.off('unhandledRejection', onUnhandled));

  it('logs a rejected informer start with its namespace and retries it, leaving no unhandled rejection', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push({ fields, message }), debug: () => undefined } as unknown as Pick<Logger, 'warn' | 'debug'>;
    const starts = { count: 0 };
    const watcher = new PodWatcher(kubeConfig, kubeConfig.makeApiClient(CoreV1Api), logger, () => failingInformer(starts));
    const unsubscribe = await watcher.subscribe('tenant-acme', 'p-1', () => undefined);
    try {
      await eventually(async () => starts.count >= 3, 10_000, 'two restarts');
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
      expect(warnings.some((w) => w.fields.namespace === 'tenant-acme' && String((w.fields.err as Error)?.message).includes('credentials could not be loaded'))).toBe(true);
    } finally {
      unsubscribe();
      await watcher.close();
    }
  });
});
