/**
 * The few API calls the driver makes, each within the tenant RBAC contract (pods: create,
 * get, list, watch, delete; pods/log: get; services: create, get, delete), with API errors
 * turned into user errors. Deletes carry the Pod's uid as a precondition, so a replica never
 * deletes a newer Pod of the same project by mistake.
 */
import { CoreV1Api, KubeConfig, Log, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { isConflict, isNotFound, toUserError } from './api-errors.js';

export interface DeleteOptions {
  readonly graceSeconds?: number;
  /** Delete only this Pod, not a newer one of the same name. */
  readonly uid?: string;
}

export class KubeObjects {
  readonly core: CoreV1Api;
  readonly log: Log;
  readonly server: string;

  constructor(readonly kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.log = new Log(kubeConfig);
    this.server = kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
  }

  context(tenantId: string, namespace: string, action: string) {
    return { tenantId, namespace, action, server: this.server };
  }

  async readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    try {
      return await this.core.readNamespacedPod({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw toUserError(error, this.context('-', namespace, `read Pod ${name}`));
    }
  }

  async createPod(tenantId: string, pod: V1Pod): Promise<V1Pod> {
    const namespace = pod.metadata?.namespace as string;
    try {
      return await this.core.createNamespacedPod({ namespace, body: pod });
    } catch (error) {
      throw toUserError(error, this.context(tenantId, namespace, `create Pod ${pod.metadata?.name}`));
    }
  }

  /** Creates the Service; one left over under the same name is replaced. */
  async createService(tenantId: string, service: V1Service): Promise<V1Service> {
    const namespace = service.metadata?.namespace as string;
    const name = service.metadata?.name as string;
    try {
      return await this.core.createNamespacedService({ namespace, body: service });
    } catch (error) {
      if (!isConflict(error)) throw toUserError(error, this.context(tenantId, namespace, `create Service ${name}`));
    }
    await this.deleteService(namespace, name);
    try {
      return await this.core.createNamespacedService({ namespace, body: service });
    } catch (error) {
      throw toUserError(error, this.context(tenantId, namespace, `create Service ${name}`));
    }
  }

  /** Deletes a Pod; one already gone is fine. */
  async deletePod(namespace: string, name: string, options: DeleteOptions = {}): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        namespace,
        name,
        gracePeriodSeconds: options.graceSeconds,
        body: options.uid ? { preconditions: { uid: options.uid } } : undefined,
      });
    } catch (error) {
      // 409: the uid precondition failed, the name belongs to a newer Pod now.
      if (isNotFound(error) || isConflict(error)) return;
      throw toUserError(error, this.context('-', namespace, `delete Pod ${name}`));
    }
  }

  async deleteService(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedService({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return;
      throw toUserError(error, this.context('-', namespace, `delete Service ${name}`));
    }
  }

  /** Waits until no Pod of this name (and uid, when given) exists. False on timeout. */
  async waitPodGone(namespace: string, name: string, uid: string | undefined, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const pod = await this.readPod(namespace, name);
      if (!pod || (uid && pod.metadata?.uid !== uid)) return true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }
}
