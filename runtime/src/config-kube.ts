/**
 * The Kubernetes part of the runtime configuration: which driver runs projects, where Pods
 * go and what they may use, and how replicas find each other and elect a leader in a
 * cluster. Defaults match the `Tenant` and `DebugHost` constructs (namespace `tenant-<id>`,
 * ServiceAccount `tenant`, runtime namespace `debug-host`, peer Service `debug-host-peers`)
 * and the Tenant LimitRange's container defaults, so ResourceQuota admission accepts them.
 */
import { TENANT_ID_MAX_LENGTH } from '@debug-host/rules';
import { z } from 'zod';

const QUANTITY = /^([0-9]+(\.[0-9]+)?)(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const quantity = (env: string, example: string) =>
  z.string().regex(QUANTITY, `${env} must be a Kubernetes quantity such as ${example}`);
const dnsLabel = (env: string) =>
  z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, `${env} must be a DNS label (lowercase letters, digits and '-', at most 63)`);

/** What the namespace pattern may add to the longest tenant id (40) in a namespace, a DNS label of 63: 23. */
const NAMESPACE_PATTERN_ROOM = 63 - TENANT_ID_MAX_LENGTH;

export const kubeConfigFields = {
  /** What runs a project: a process group on this replica, or a Pod in the tenant's namespace. @default 'process' */
  driver: z.enum(['process', 'kubernetes'], { message: "DEBUG_HOST_DRIVER must be 'process' or 'kubernetes'" }).default('process'),
  /** Kubeconfig file for the kubernetes driver, Lease and EndpointSlices. @default - KUBECONFIG, else the in-cluster ServiceAccount, else ~/.kube/config */
  kubeconfig: z.string().min(1).optional(),
  /** Namespace of a tenant's Pods; `{tenant}` is replaced by the tenant id. @default 'tenant-{tenant}' (the Tenant construct's) */
  kubeNamespacePattern: z
    .string()
    .regex(/^[a-z0-9-]*\{tenant\}[a-z0-9-]*$/, "DEBUG_HOST_KUBE_NAMESPACE_PATTERN must contain '{tenant}' and otherwise only lowercase letters, digits and '-'")
    .refine((p) => p.length - '{tenant}'.length <= NAMESPACE_PATTERN_ROOM, {
      error: (issue) =>
        `DEBUG_HOST_KUBE_NAMESPACE_PATTERN adds ${String(issue.input).length - '{tenant}'.length} characters to the tenant id, more than the ` +
        `${NAMESPACE_PATTERN_ROOM} a namespace (at most 63) has beside an id of up to ${TENANT_ID_MAX_LENGTH}: shorten it, e.g. to 'tenant-{tenant}'`,
    })
    .default('tenant-{tenant}'),
  /** ServiceAccount the project Pods run as (its token is not mounted). @default 'tenant' (the Tenant construct's) */
  kubeServiceAccount: dnsLabel('DEBUG_HOST_KUBE_SERVICE_ACCOUNT').default('tenant'),
  /** Image of project Pods; it must hold the project and its toolchain (the workspace is not mounted). @default 'docker.io/library/node:24-bookworm-slim' */
  kubeImage: z.string().min(1).default('docker.io/library/node:24-bookworm-slim'),
  /** Non-root uid of the project container (Pod Security `restricted`). @default 1000 */
  kubeRunAsUser: z.coerce.number().int().min(1, 'DEBUG_HOST_KUBE_RUN_AS_USER must be a non-root uid (1 or more)').default(1000),
  /** @default '100m' (the Tenant LimitRange's default request) */
  kubeCpuRequest: quantity('DEBUG_HOST_KUBE_CPU_REQUEST', '100m').default('100m'),
  /** @default '500m' (the Tenant LimitRange's default limit) */
  kubeCpuLimit: quantity('DEBUG_HOST_KUBE_CPU_LIMIT', '500m').default('500m'),
  /** @default '128Mi' */
  kubeMemoryRequest: quantity('DEBUG_HOST_KUBE_MEMORY_REQUEST', '128Mi').default('128Mi'),
  /** @default '512Mi' */
  kubeMemoryLimit: quantity('DEBUG_HOST_KUBE_MEMORY_LIMIT', '512Mi').default('512Mi'),
  /** The runtime's own namespace (its Lease and peer EndpointSlices). @default 'debug-host' (set from the Pod by the DebugHost construct) */
  kubeRuntimeNamespace: dnsLabel('DEBUG_HOST_NAMESPACE').default('debug-host'),
  /** Headless Service whose EndpointSlices list the replicas. @default 'debug-host-peers' */
  kubePeerService: dnsLabel('DEBUG_HOST_PEER_SERVICE').default('debug-host-peers'),
  /** coordination.k8s.io Lease that names the leader. @default 'debug-host-leader' */
  kubeLeaseName: dnsLabel('DEBUG_HOST_LEASE_NAME').default('debug-host-leader'),
  /** @default 15 */
  kubeLeaseDurationSec: z.coerce.number().int().min(2, 'DEBUG_HOST_LEASE_DURATION_SEC must be at least 2').max(300).default(15),
  /**
   * How replicas find each other: `store` (heartbeat table), `kubernetes` (EndpointSlices
   * of the peer Service, leader by Lease), or `auto`: kubernetes inside a Pod
   * (KUBERNETES_SERVICE_HOST is set), store elsewhere. @default 'auto'
   */
  clusterDiscovery: z.enum(['auto', 'store', 'kubernetes'], { message: "DEBUG_HOST_CLUSTER_DISCOVERY must be 'auto', 'store' or 'kubernetes'" }).default('auto'),
};

export const KUBE_ENV_NAMES = {
  driver: 'DEBUG_HOST_DRIVER',
  kubeconfig: 'KUBECONFIG',
  kubeNamespacePattern: 'DEBUG_HOST_KUBE_NAMESPACE_PATTERN',
  kubeServiceAccount: 'DEBUG_HOST_KUBE_SERVICE_ACCOUNT',
  kubeImage: 'DEBUG_HOST_KUBE_IMAGE',
  kubeRunAsUser: 'DEBUG_HOST_KUBE_RUN_AS_USER',
  kubeCpuRequest: 'DEBUG_HOST_KUBE_CPU_REQUEST',
  kubeCpuLimit: 'DEBUG_HOST_KUBE_CPU_LIMIT',
  kubeMemoryRequest: 'DEBUG_HOST_KUBE_MEMORY_REQUEST',
  kubeMemoryLimit: 'DEBUG_HOST_KUBE_MEMORY_LIMIT',
  kubeRuntimeNamespace: 'DEBUG_HOST_NAMESPACE',
  kubePeerService: 'DEBUG_HOST_PEER_SERVICE',
  kubeLeaseName: 'DEBUG_HOST_LEASE_NAME',
  kubeLeaseDurationSec: 'DEBUG_HOST_LEASE_DURATION_SEC',
  clusterDiscovery: 'DEBUG_HOST_CLUSTER_DISCOVERY',
} as const;

/** `auto` resolved: Kubernetes discovery inside a Pod, the store's heartbeat table elsewhere. */
export function resolveDiscovery(setting: 'auto' | 'store' | 'kubernetes', env: NodeJS.ProcessEnv): 'store' | 'kubernetes' {
  if (setting !== 'auto') return setting;
  return env.KUBERNETES_SERVICE_HOST ? 'kubernetes' : 'store';
}
