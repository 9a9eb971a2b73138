/**
 * Tenant isolation checks over synthesized manifests, after the Kubernetes multi-tenancy
 * benchmark (MTB): each returns the violations it finds, so a test can assert both that the
 * platform passes and that a crafted bad manifest is caught.
 */
import type { Obj } from './helpers.js';

const TENANT_LABEL = 'debug-host.io/tenant';
const isTenantNs = (ns: unknown): ns is string => typeof ns === 'string' && ns.startsWith('tenant-');
const id = (o: Obj) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection', '*'];
const CLUSTER_RESOURCES = ['nodes', 'namespaces', 'customresourcedefinitions', 'clusterroles', 'clusterrolebindings', 'persistentvolumes', 'storageclasses', '*'];
const POLICY_RESOURCES = ['resourcequotas', 'limitranges', 'networkpolicies', 'rolebindings', 'roles', '*'];

export type Check = (objs: readonly Obj[]) => string[];

function tenantNamespaces(objs: readonly Obj[]): Obj[] {
  return objs.filter((o) => o.kind === 'Namespace' && isTenantNs(o.metadata.name));
}

export const checks: Record<string, Check> = {
  /** MTB: block access to cluster resources — tenants get no ClusterRole or ClusterRoleBinding. */
  noClusterScopedGrants: (objs) =>
    objs.filter((o) => (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding') && (o.metadata.labels?.[TENANT_LABEL] || isTenantNs(o.metadata.namespace) || (o.subjects ?? []).some((s: { namespace?: string }) => isTenantNs(s.namespace)))).map((o) => `${id(o)} is a cluster-scoped grant for a tenant`),

  /** No Role grants on nodes, namespaces, CRDs or cluster roles. */
  noGrantsOnClusterResources: (objs) =>
    objs.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) =>
      (o.rules ?? []).flatMap((r: { resources?: string[] }) => (r.resources ?? []).filter((res) => CLUSTER_RESOURCES.includes(res)).map((res) => `${id(o)} grants on ${res}`)),
    ),

  /** MTB: block modification of resource quotas, limit ranges, network policies, role bindings. */
  tenantsCannotChangePolicy: (objs) => {
    const out: string[] = [];
    for (const b of objs.filter((o) => o.kind === 'RoleBinding' && isTenantNs(o.metadata.namespace))) {
      const tenantSubjects = (b.subjects ?? []).filter((s: { namespace?: string }) => s.namespace === b.metadata.namespace || s.namespace === undefined);
      if (tenantSubjects.length === 0) continue; // binds the platform runtime, not the tenant
      const role = objs.find((o) => o.kind === b.roleRef.kind && o.metadata.name === b.roleRef.name && (o.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace));
      if (!role) {
        out.push(`${id(b)} refers to ${b.roleRef.kind} ${b.roleRef.name} that is not in the output`);
        continue;
      }
      for (const r of role.rules ?? []) {
        const res = (r.resources ?? []).filter((x: string) => POLICY_RESOURCES.includes(x));
        const verbs = (r.verbs ?? []).filter((v: string) => WRITE.includes(v) || v === 'escalate' || v === 'bind');
        if (res.length && verbs.length) out.push(`${id(role)} lets tenant subjects ${verbs.join('/')} ${res.join(', ')}`);
      }
    }
    return out;
  },

  /** MTB: configure namespace resource quotas — cpu and memory requests and limits, object counts. */
  quotasComplete: (objs) => {
    const out: string[] = [];
    for (const ns of tenantNamespaces(objs)) {
      const quotas = objs.filter((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === ns.metadata.name);
      if (quotas.length === 0) out.push(`${id(ns)} has no ResourceQuota`);
      const hard = Object.assign({}, ...quotas.map((q) => q.spec?.hard ?? {}));
      for (const key of ['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory', 'requests.storage', 'pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets']) {
        if (hard[key] === undefined) out.push(`${id(ns)} quota lacks ${key}`);
      }
      if (hard['services.nodeports'] !== '0') out.push(`${id(ns)} quota allows NodePort services`);
      if (hard['services.loadbalancers'] !== '0') out.push(`${id(ns)} quota allows LoadBalancer services`);
    }
    return out;
  },

  /** LimitRange defaults (default and defaultRequest for cpu and memory) in every tenant namespace. */
  limitRangeDefaults: (objs) =>
    tenantNamespaces(objs).flatMap((ns) => {
      const lr = objs.find((o) => o.kind === 'LimitRange' && o.metadata.namespace === ns.metadata.name);
      const c = lr?.spec?.limits?.find((l: { type: string }) => l.type === 'Container');
      return c?.default?.cpu && c?.default?.memory && c?.defaultRequest?.cpu && c?.defaultRequest?.memory ? [] : [`${id(ns)} has no container LimitRange defaults`];
    }),

  /** MTB: Pod Security `restricted` enforced (and audited, warned) on every tenant namespace. */
  restrictedPodSecurity: (objs) =>
    tenantNamespaces(objs).flatMap((ns) =>
      ['enforce', 'audit', 'warn'].filter((m) => ns.metadata.labels?.[`pod-security.kubernetes.io/${m}`] !== 'restricted').map((m) => `${id(ns)} does not ${m} restricted Pod Security`),
    ),

  /** MTB: default-deny ingress and egress in every tenant namespace. */
  defaultDeny: (objs) =>
    tenantNamespaces(objs).flatMap((ns) => {
      const deny = objs.find(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns.metadata.name && Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
          ['Ingress', 'Egress'].every((t) => (o.spec.policyTypes ?? []).includes(t)) && !o.spec.ingress && !o.spec.egress,
      );
      return deny ? [] : [`${id(ns)} has no default-deny ingress and egress NetworkPolicy`];
    }),

  /** Nothing in a tenant namespace admits traffic from another tenant (or from anywhere). */
  noCrossTenantTraffic: (objs) =>
    objs.filter((o) => o.kind === 'NetworkPolicy' && isTenantNs(o.metadata.namespace)).flatMap((o) =>
      [...(o.spec.ingress ?? []).flatMap((r: { from?: object[] }) => r.from ?? [undefined]), ...(o.spec.egress ?? []).flatMap((r: { to?: object[] }) => r.to ?? [undefined])].flatMap((peer: any) => {
        if (peer === undefined) return [`${id(o)} has a rule open to every peer`];
        if (peer.ipBlock) return [`${id(o)} admits an ipBlock`];
        if (!peer.namespaceSelector) return []; // same-namespace pod selector
        const target = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
        if (!target) return [`${id(o)} selects namespaces by something other than their name`];
        return isTenantNs(target) && target !== o.metadata.namespace ? [`${id(o)} admits tenant namespace ${target}`] : [];
      }),
    ),

  /** No NodePort or LoadBalancer Service anywhere (the Gateway is the only way in). */
  noNodePorts: (objs) => objs.filter((o) => o.kind === 'Service' && ['NodePort', 'LoadBalancer'].includes(o.spec?.type)).map((o) => `${id(o)} is a ${o.spec.type} service`),

  /** Hostnames are unique across tenants. */
  uniqueHostnames: (objs) => {
    const owner = new Map<string, string>();
    const out: string[] = [];
    for (const r of objs.filter((o) => o.kind === 'HTTPRoute' && o.metadata.labels?.[TENANT_LABEL])) {
      for (const h of r.spec.hostnames ?? []) {
        const prev = owner.get(h);
        if (prev && prev !== r.metadata.labels[TENANT_LABEL]) out.push(`hostname ${h} is served for tenants ${prev} and ${r.metadata.labels[TENANT_LABEL]}`);
        owner.set(h, r.metadata.labels[TENANT_LABEL]);
      }
    }
    return out;
  },

  /** No binding in one tenant's namespace refers to another tenant's namespace. */
  noCrossTenantBindings: (objs) =>
    objs.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')).flatMap((b) =>
      (b.subjects ?? []).filter((s: { namespace?: string }) => isTenantNs(s.namespace) && s.namespace !== b.metadata.namespace).map((s: { namespace: string }) => `${id(b)} binds a subject of ${s.namespace}`),
    ),

  /** Tenant service accounts do not mount API tokens. */
  noTenantTokens: (objs) =>
    objs.filter((o) => o.kind === 'ServiceAccount' && isTenantNs(o.metadata.namespace) && o.automountServiceAccountToken !== false).map((o) => `${id(o)} mounts its token`),
};

/** Runs every check; returns `check: violation` lines. */
export function runChecks(objs: readonly Obj[]): string[] {
  return Object.entries(checks).flatMap(([name, check]) => check(objs).map((v) => `${name}: ${v}`));
}
