/**
 * The Kubernetes parts of a runtime (driver, Lease, EndpointSlice membership), loaded only
 * when the config asks for them: @kubernetes/client-node is heavy, so the process driver and
 * the store-based cluster never load it.
 */
import type { Logger } from 'pino';
import type { RuntimeConfig } from './config.js';
import { resolveDiscovery } from './config-kube.js';
import type { Leadership } from './cluster/leadership.js';
import type { MemberSource } from './cluster/membership.js';
import type { Driver } from './drivers/driver.js';
import type { PodSettings } from './drivers/kubernetes/pod-spec.js';

export interface KubeParts {
  /** The connection, when any Kubernetes part is used (the autoscaler patches its HPA with it). */
  readonly kubeConfig?: import('@kubernetes/client-node').KubeConfig;
  /** The kubernetes driver, when `driver` is `kubernetes`. */
  readonly driver?: Driver;
  /** Lease leadership and EndpointSlice membership, when replicas find each other through Kubernetes. */
  readonly discovery?: {
    readonly lease: Leadership;
    readonly members: () => MemberSource;
  };
}

export function podSettingsFrom(config: RuntimeConfig): PodSettings {
  return {
    namespacePattern: config.kubeNamespacePattern,
    serviceAccount: config.kubeServiceAccount,
    image: config.kubeImage,
    runAsUser: config.kubeRunAsUser,
    cpuRequest: config.kubeCpuRequest,
    cpuLimit: config.kubeCpuLimit,
    memoryRequest: config.kubeMemoryRequest,
    memoryLimit: config.kubeMemoryLimit,
  };
}

export async function loadKubeParts(config: RuntimeConfig, logger: Logger, env: NodeJS.ProcessEnv): Promise<KubeParts> {
  const discover = Boolean(config.databaseUrl) && resolveDiscovery(config.clusterDiscovery, env) === 'kubernetes';
  if (config.driver !== 'kubernetes' && !discover && config.autoscaler !== 'kubernetes') return {};
  const { KubernetesDriver, loadKubeConfig } = await import('./drivers/kubernetes/kubernetes-driver.js');
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const driver = config.driver === 'kubernetes' ? new KubernetesDriver({ kubeConfig, settings: podSettingsFrom(config), logger }) : undefined;
  if (!discover) return { kubeConfig, driver };
  const { LeaseLeadership } = await import('./cluster/lease-leadership.js');
  const { EndpointSliceSource } = await import('./cluster/endpoint-slice-source.js');
  const lease = new LeaseLeadership({
    kubeConfig,
    namespace: config.kubeRuntimeNamespace,
    name: config.kubeLeaseName,
    identity: config.replicaId,
    leaseDurationSeconds: config.kubeLeaseDurationSec,
    logger,
  });
  const members = () => new EndpointSliceSource({ kubeConfig, namespace: config.kubeRuntimeNamespace, service: config.kubePeerService, logger });
  return { kubeConfig, driver, discovery: { lease, members } };
}
