/**
 * Runs each project as a Pod (and a ClusterIP Service for its port) in the tenant's
 * namespace, as the tenant's ServiceAccount, with the restricted security context. Status
 * comes from one shared Pod watch per namespace, logs from the log API, readiness from the
 * Pod's Ready condition (the kubelet probes the port; this replica may not reach Pod IPs).
 * A Pod of the same run that outlived its replica is adopted, not restarted.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { DebugHostError } from '../../domain/errors.js';
import type { Driver, LaunchSpec, LineListener, OrphanRef, RunHandle } from '../driver.js';
import { KubeObjects } from './kube-objects.js';
import { CONTAINER, LABELS, buildPod, buildService, namespaceFor, podNameFor, type PodSettings } from './pod-spec.js';
import { PodRun } from './pod-run.js';
import { PodWatcher } from './pod-watch.js';

export interface KubernetesDriverOptions {
  readonly kubeConfig: KubeConfig;
  readonly settings: PodSettings;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn'>;
}

/** How long a leftover Pod of an earlier run may take to go before a new one is created. */
const LEFTOVER_GONE_MS = 30_000;

export class KubernetesDriver implements Driver {
  readonly name = 'kubernetes';
  readonly objects: KubeObjects;
  readonly watcher: PodWatcher;

  constructor(private readonly options: KubernetesDriverOptions) {
    this.objects = new KubeObjects(options.kubeConfig);
    this.watcher = new PodWatcher(options.kubeConfig, this.objects.core, options.logger);
  }

  async launch(spec: LaunchSpec, onLine: LineListener): Promise<RunHandle> {
    const { settings, logger } = this.options;
    const namespace = namespaceFor(settings.namespacePattern, spec.tenantId);
    const name = podNameFor(spec.projectId);
    const existing = await this.objects.readPod(namespace, name);
    const adopt = existing && isLiveRun(existing, spec.runId);

    const run = new PodRun({ objects: this.objects, namespace, name, container: CONTAINER, onLine, logger, logsSince: adopt ? new Date() : undefined });
    // Subscribed before the create, so that no change of the new Pod is missed.
    run.unsubscribe = await this.watcher.subscribe(namespace, name, (event, pod) => run.onPod(event, pod));
    try {
      if (adopt) {
        run.uid = existing.metadata?.uid;
        logger.info({ namespace, name }, 'adopted the running Pod of this run');
        onLine('system', `adopted pod ${name} (still running from before)`);
      } else {
        if (existing) await this.removeLeftover(namespace, name, existing);
        const created = await this.objects.createPod(spec.tenantId, buildPod(spec, settings));
        run.uid = created.metadata?.uid;
        try {
          await this.objects.createService(spec.tenantId, buildService(spec, settings, { uid: run.uid }));
        } catch (error) {
          // The port could not be published (the services quota): the run does not start.
          await this.objects.deletePod(namespace, name, { graceSeconds: 0, uid: run.uid }).catch(() => undefined);
          throw error;
        }
      }
    } catch (error) {
      run.abandon();
      throw error;
    }
    // The watch may have delivered the Pod before its uid was known: replay the cached state.
    const cached = this.watcher.get(namespace, name);
    if (cached) run.onPod('update', cached);
    return run.handle();
  }

  /** A Pod (and Service) of this project that nobody supervises any more: deleted by name. */
  async reapOrphan({ tenantId, projectId }: OrphanRef): Promise<void> {
    const namespace = namespaceFor(this.options.settings.namespacePattern, tenantId);
    const name = podNameFor(projectId);
    await this.objects.deleteService(namespace, name);
    const pod = await this.objects.readPod(namespace, name);
    if (!pod) return;
    await this.objects.deletePod(namespace, name, { uid: pod.metadata?.uid });
    await this.objects.waitPodGone(namespace, name, pod.metadata?.uid, LEFTOVER_GONE_MS);
  }

  /**
   * A port is open when the Pod holding it is Ready: the kubelet's probe connects to it, as
   * this replica cannot (Pod IPs). A port no project holds has nothing behind it.
   */
  async portOpen({ tenantId, projectId }: { tenantId: string; projectId?: string }, _port: number): Promise<boolean> {
    if (!projectId) return false;
    const namespace = namespaceFor(this.options.settings.namespacePattern, tenantId);
    const name = podNameFor(projectId);
    const pod = this.watcher.get(namespace, name) ?? (await this.objects.readPod(namespace, name));
    return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  }

  async close(): Promise<void> {
    await this.watcher.close();
  }

  private async removeLeftover(namespace: string, name: string, pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid;
    await this.objects.deleteService(namespace, name);
    await this.objects.deletePod(namespace, name, { graceSeconds: 0, uid });
    if (!(await this.objects.waitPodGone(namespace, name, uid, LEFTOVER_GONE_MS))) {
      throw new DebugHostError('unavailable', `An earlier Pod ${namespace}/${name} of this project is still terminating.`, {
        fix: 'Wait a moment and call host.start again; if it stays, check the node the Pod ran on.',
      });
    }
  }
}

/** The Pod of this very run, still running (not finished, not being deleted). */
function isLiveRun(pod: V1Pod, runId: string): boolean {
  const phase = pod.status?.phase;
  return pod.metadata?.labels?.[LABELS.run] === runId && !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * The kubeconfig: the given file(s) (KUBECONFIG, `:`-separated), else the in-cluster
 * ServiceAccount (inside a Pod), else ~/.kube/config; none of them is a configuration error
 * (client-node alone would fall back to http://localhost:8080 and fail later, obscurely).
 */
export function loadKubeConfig(file?: string, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): KubeConfig {
  const kubeConfig = new KubeConfig();
  const files = (file ?? '').split(delimiter).filter(Boolean);
  const homeConfig = join(home, '.kube', 'config');
  try {
    if (files.length > 0) {
      kubeConfig.loadFromFile(files[0] as string);
      for (const more of files.slice(1)) {
        const next = new KubeConfig();
        next.loadFromFile(more);
        kubeConfig.mergeConfig(next);
      }
    } else if (env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
    else if (existsSync(homeConfig)) kubeConfig.loadFromFile(homeConfig);
    else {
      throw new DebugHostError('invalid_input', 'Configuration kubeconfig (KUBECONFIG): no Kubernetes cluster is configured: KUBECONFIG is unset, this is not a Pod, and there is no ~/.kube/config.', {
        field: 'kubeconfig',
        fix: 'Set KUBECONFIG (locally: eval "$(scripts/services up)"), run inside a Pod with a ServiceAccount, or set DEBUG_HOST_DRIVER=process.',
      });
    }
  } catch (error) {
    if (error instanceof DebugHostError) throw error;
    throw new DebugHostError('invalid_input', `Configuration kubeconfig (KUBECONFIG): ${files.join(delimiter) || 'the in-cluster ServiceAccount'} could not be read: ${(error as Error).message}.`, {
      field: 'kubeconfig',
      fix: 'Point KUBECONFIG at a readable kubeconfig (locally: eval "$(scripts/services up)"), or run inside a Pod with a ServiceAccount.',
    });
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new DebugHostError('invalid_input', 'Configuration kubeconfig (KUBECONFIG): the kubeconfig names no current cluster.', {
      field: 'kubeconfig',
      fix: 'Set current-context in the kubeconfig, or point KUBECONFIG at another one.',
    });
  }
  return kubeConfig;
}
