/**
 * A real API server for the kubernetes tests (scripts/services up, or scripts/kube/up.sh
 * --all): admin access from KUBECONFIG, tenants from the Tenant construct, and a runtime
 * identity that has exactly the RBAC contract of constructs/runtime-rbac.ts and nothing
 * more, so that a test passing here proves the driver needs no other right.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { RUNTIME_OWN_NAMESPACE_RULES, policyRules } from '../../constructs/runtime-rbac.js';
import { Tenant, type TenantQuotaProps } from '../../constructs/tenant.js';

const HINT = 'run `eval "$(scripts/services up)"` (or `eval "$(scripts/kube/up.sh --all)"`) before the kubernetes tests';

/** The admin kubeconfig; fails loudly (never skips) when there is no reachable API server. */
export async function adminKubeConfig(): Promise<KubeConfig> {
  const file = process.env.KUBECONFIG;
  if (!file) throw new Error(`KUBECONFIG is not set: ${HINT}.`);
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  try {
    await kc.makeApiClient(CoreV1Api).listNamespace({ limit: 1 });
  } catch (error) {
    throw new Error(`The API server of ${file} (${kc.getCurrentCluster()?.server}) is not reachable (${(error as Error).message}): ${HINT}.`);
  }
  return kc;
}

export const suffix = (): string => randomBytes(3).toString('hex');

export async function apply(kc: KubeConfig, objects: readonly KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (const object of objects) await api.create(object);
}

export interface RuntimeIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/**
 * The Tenant construct's Namespace (restricted Pod Security), ResourceQuota, LimitRange,
 * ServiceAccount, and its `debug-host-runtime` Role and RoleBinding for `runtime`: the RBAC
 * contract of constructs/runtime-rbac.ts, exactly what a deployed runtime gets.
 */
export function tenantObjects(name: string, runtime: RuntimeIdentity, quotas: TenantQuotaProps = {}): KubernetesObject[] {
  const chart = new Chart(new App(), 'tenant');
  const tenant = new Tenant(chart, 'Tenant', { name, quotas, runtimeNamespace: runtime.namespace, runtimeServiceAccount: runtime.serviceAccount });
  return [tenant.namespace, tenant.resourceQuota, tenant.limitRange, tenant.serviceAccount, tenant.runtimeRole, tenant.runtimeRoleBinding].map(
    (o) => o.toJson() as KubernetesObject,
  );
}

/** The runtime's namespace, ServiceAccount and own-namespace rights (RUNTIME_OWN_NAMESPACE_RULES: leases, endpointslices). */
export function runtimeOwnRbac(runtime: RuntimeIdentity): KubernetesObject[] {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'debug-host', namespace: runtime.namespace },
    rules: policyRules(RUNTIME_OWN_NAMESPACE_RULES),
  };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: runtime.namespace } } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: runtime.serviceAccount, namespace: runtime.namespace } } as KubernetesObject,
    role,
    binding(runtime.namespace, 'debug-host', runtime),
  ];
}

function binding(namespace: string, role: string, runtime: RuntimeIdentity): KubernetesObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: role, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: [{ kind: 'ServiceAccount', name: runtime.serviceAccount, namespace: runtime.namespace }],
  } as KubernetesObject;
}

/** A kubeconfig file for the runtime's ServiceAccount (a TokenRequest token), as in a Pod. */
export async function serviceAccountKubeconfig(kc: KubeConfig, runtime: RuntimeIdentity): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    namespace: runtime.namespace,
    name: runtime.serviceAccount,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig names no cluster');
  const ca = cluster.caData;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: cluster.server, ...(ca ? { 'certificate-authority-data': ca } : { 'certificate-authority': cluster.caFile }) } }],
    users: [{ name: runtime.serviceAccount, user: { token: request.status?.token } }],
    contexts: [{ name: 'test', context: { cluster: 'test', user: runtime.serviceAccount, namespace: runtime.namespace } }],
    'current-context': 'test',
  };
  const dir = await mkdtemp(join(tmpdir(), 'debug-host-kube-'));
  const file = join(dir, 'kubeconfig');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

export async function deleteNamespaces(kc: KubeConfig, names: readonly string[]): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await Promise.all(names.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
}

/** kwok's simulated container log (every Pod's log), beside the kubeconfig of scripts/kube. */
export function kwokLogFile(): string {
  return join(dirname(process.env.KUBECONFIG ?? '.'), 'kwok-container.log');
}

/** Appends a line in CRI format, as the container would print it. */
export async function appendKwokLine(line: string): Promise<void> {
  await appendFile(kwokLogFile(), `${new Date().toISOString().replace('Z', '000000Z')} stdout F ${line}\n`);
}
