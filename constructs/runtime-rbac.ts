import type { k8s } from 'cdk8s-plus-28';

/**
 * What the debug-host runtime may do on the API server: the contract between the runtime's
 * kubernetes driver and the constructs, and nothing more. Nothing is granted cluster-wide.
 *
 * - In each tenant namespace (`tenant-<name>`, Role and RoleBinding `debug-host-runtime`
 *   from `Tenant`): run a project as a Pod with a Service per leased port, read its log and
 *   the namespace's events (why a Pod is pending, image pulls, quota refusals).
 * - In its own namespace (Role and RoleBinding `<name>` from `DebugHost`): one Lease for the
 *   leader, and the peers Service's EndpointSlices for membership.
 *
 * No `patch`/`update` on pods or services (the driver replaces a project's Pod rather than
 * editing it), no `list` on leases (the leader's Lease is read by name), no secrets,
 * configmaps or exec anywhere.
 */
export type PolicyRule = Readonly<Pick<k8s.PolicyRule, 'apiGroups' | 'resources' | 'verbs'>>;

/** The runtime's rights in every tenant namespace. */
export const RUNTIME_TENANT_RULES: readonly PolicyRule[] = Object.freeze([
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['services'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
]);

/** The runtime's rights in its own namespace. */
export const RUNTIME_OWN_NAMESPACE_RULES: readonly PolicyRule[] = Object.freeze([
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
]);

/**
 * The autoscaler's one right (runtime/src/scaling/hpa-floor.ts): read and patch the runtime's
 * own HPA, by name, to move its `minReplicas`; no list, no other HPA, no Deployment.
 */
export function runtimeHpaRule(hpaName: string): k8s.PolicyRule {
  return { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], resourceNames: [hpaName], verbs: ['get', 'patch'] };
}

/** Name of the runtime's Role and RoleBinding in each tenant namespace. */
export const RUNTIME_TENANT_ROLE = 'debug-host-runtime';

/** Name of each tenant's ServiceAccount (the identity its project Pods run as) and its Role. */
export const TENANT_SERVICE_ACCOUNT = 'tenant';

/** A mutable copy for an L1 construct (cdk8s types want mutable arrays). */
export function policyRules(rules: readonly PolicyRule[]): k8s.PolicyRule[] {
  return rules.map((r) => ({ apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])], verbs: [...r.verbs] }));
}
