import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { TENANT_ID_MAX_LENGTH } from '@debug-host/rules';
import { TENANT_LABEL, componentLabels, podSecurityLabels } from './labels.js';
import { RUNTIME_TENANT_ROLE, RUNTIME_TENANT_RULES, TENANT_SERVICE_ACCOUNT, policyRules } from './runtime-rbac.js';
import { requireLatencyObjective } from './tenant-slo.js';
import { ConstructPropsError, requireDnsLabel, requireDnsName, requireInt, requireQuantity, requireTenantId, stripUndefined } from './validation.js';

/**
 * A tenant's quotas, as in the seed's tenant config, mapped onto the namespace's
 * ResourceQuota (requests and limits alike, so a tenant cannot overcommit).
 */
export interface TenantQuotaProps {
  /** Projects running at once: the ResourceQuota's `pods`. @default 50 */
  readonly containers?: number;
  /** Ports leased at once: the ResourceQuota's `services` (one Service per port). @default 100 */
  readonly ports?: number;
  /** Memory across running projects: `requests.memory` and `limits.memory`. @default '10Gi' */
  readonly memory?: string;
  /** CPU across running projects, in cores or as a quantity ("10", 10, "2500m"): `requests.cpu` and `limits.cpu`. @default 10 */
  readonly cpu?: string | number;
  /** Storage for logs and workspaces: `requests.storage`. @default '100Gi' */
  readonly storage?: string;
  /** PersistentVolumeClaims at once. @default 20 */
  readonly persistentVolumeClaims?: number;
  /** ConfigMaps at once. @default 100 */
  readonly configMaps?: number;
  /** Secrets at once. @default 100 */
  readonly secrets?: number;
}

/** Per-container defaults and ceilings (the namespace's LimitRange). */
export interface TenantLimitProps {
  /** Default cpu limit of a container that sets none. @default '500m' */
  readonly defaultCpu?: string;
  /** Default memory limit of a container that sets none. @default '512Mi' */
  readonly defaultMemory?: string;
  /** Default cpu request of a container that sets none. @default '100m' */
  readonly defaultRequestCpu?: string;
  /** Default memory request of a container that sets none. @default '128Mi' */
  readonly defaultRequestMemory?: string;
  /** Largest cpu limit one container may set. @default '4' */
  readonly maxCpu?: string;
  /** Largest memory limit one container may set. @default '8Gi' */
  readonly maxMemory?: string;
}

export interface TenantProps {
  /** The tenant id: 3-40 lowercase letters, digits and '-', a letter first (@debug-host/rules); the namespace is `tenant-<name>`. */
  readonly name: string;
  /** Human-readable name, kept as an annotation. @default - the tenant name */
  readonly displayName?: string;
  /** Quotas (seed: containers 50, memory 10Gi, cpu 10, storage 100Gi, ports 100). @default - the seed's quotas */
  readonly quotas?: TenantQuotaProps;
  /** LimitRange defaults for containers. @default - see TenantLimitProps */
  readonly limits?: TenantLimitProps;
  /** Namespace of the debug-host runtime, admitted by the NetworkPolicies and granted a Role. @default 'debug-host' */
  readonly runtimeNamespace?: string;
  /** ServiceAccount of the runtime, bound to the runtime Role in the tenant namespace. @default 'debug-host' */
  readonly runtimeServiceAccount?: string;
  /** Hostname the Gateway serves for this tenant. @default - `<name>.<platform domain>` */
  readonly hostname?: string;
  /** Extra labels for the Namespace (the tenant and Pod Security labels always win). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Pod Security Standards version pinned in the namespace labels. @default 'v1.28' */
  readonly podSecurityVersion?: string;
  /** Let the tenant's own pods reach each other (ingress and egress within the namespace). @default false */
  readonly allowSameNamespace?: boolean;
  /**
   * This tenant's latency objective: 99 % of its tool calls at or under this many seconds,
   * alerted on with burn rates by the platform's Observability. One of the latency
   * histogram's bucket bounds (TOOL_DURATION_BUCKETS in @debug-host/rules).
   * @default - the Observability's p99LatencySeconds (1)
   */
  readonly p99LatencySeconds?: number;
}

/** The seed's tenant config: containers 50, memory 10Gi, cpu 10, storage 100Gi, ports 100. */
export const DEFAULT_TENANT_QUOTAS: Required<TenantQuotaProps> = Object.freeze({
  containers: 50,
  ports: 100,
  memory: '10Gi',
  cpu: 10,
  storage: '100Gi',
  persistentVolumeClaims: 20,
  configMaps: 100,
  secrets: 100,
});

export const DEFAULT_TENANT_LIMITS: Required<TenantLimitProps> = Object.freeze({
  defaultCpu: '500m',
  defaultMemory: '512Mi',
  defaultRequestCpu: '100m',
  defaultRequestMemory: '128Mi',
  maxCpu: '4',
  maxMemory: '8Gi',
});

/** Maps the runtime's quota record (MiB, millicores) onto TenantQuotaProps. */
export function tenantQuotasFromRuntime(q: {
  readonly containers: number;
  readonly ports: number;
  readonly memoryMiB: number;
  readonly cpuMillis: number;
  readonly storageMiB: number;
}): TenantQuotaProps {
  return { containers: q.containers, ports: q.ports, memory: `${q.memoryMiB}Mi`, cpu: `${q.cpuMillis}m`, storage: `${q.storageMiB}Mi` };
}

/**
 * Longest tenant name: @debug-host/rules' TENANT_ID_MAX_LENGTH (40), which every name built
 * from it fits, `tenant-<name>` namespaces (63) and the runtime's Postgres role names among them.
 */
export const MAX_TENANT_NAME_LENGTH = TENANT_ID_MAX_LENGTH;

/**
 * One tenant: Namespace `tenant-<name>` with restricted Pod Security, ResourceQuota,
 * LimitRange, default-deny NetworkPolicies (plus DNS and the runtime's namespace), a tenant
 * ServiceAccount, and namespaced Roles only: no cluster-scoped grant is ever created.
 *
 * Escape hatch: every object is a public `ApiObject` (`tenant.resourceQuota.addJsonPatch(...)`),
 * and `apiObjects` lists them all.
 *
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * @see https://kubernetes.io/docs/concepts/policy/resource-quotas/
 * @see https://github.com/kubernetes-sigs/multi-tenancy/tree/master/benchmarks (MTB checks, asserted in tests)
 */
export class Tenant extends Construct {
  /** `tenant-<name>`. */
  static namespaceFor(name: string): string {
    return `tenant-${name}`;
  }

  readonly name: string;
  readonly namespaceName: string;
  readonly hostname: string | undefined;
  readonly quotas: Required<TenantQuotaProps>;
  readonly namespace: ApiObject;
  readonly resourceQuota: ApiObject;
  readonly limitRange: ApiObject;
  /** default-deny, allow-dns, allow-from-debug-host (and allow-same-namespace when enabled). */
  readonly networkPolicies: readonly ApiObject[];
  readonly serviceAccount: ApiObject;
  /** Read-only Role of the tenant ServiceAccount. */
  readonly role: ApiObject;
  readonly roleBinding: ApiObject;
  /** Role `debug-host-runtime` that lets the runtime run projects here: RUNTIME_TENANT_RULES. */
  readonly runtimeRole: ApiObject;
  readonly runtimeRoleBinding: ApiObject;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: TenantProps) {
    super(scope, id);
    const C = 'Tenant';
    if (props === undefined || props === null || typeof props !== 'object') {
      throw new ConstructPropsError(C, 'props', 'props are missing', 'Pass { name: "<tenant id>" }.');
    }
    this.name = requireTenantId(C, 'name', props.name);
    if (props.p99LatencySeconds !== undefined) requireLatencyObjective(C, 'p99LatencySeconds', props.p99LatencySeconds);
    this.namespaceName = Tenant.namespaceFor(this.name);
    const runtimeNamespace = requireDnsLabel(C, 'runtimeNamespace', props.runtimeNamespace ?? 'debug-host');
    const runtimeSa = requireDnsLabel(C, 'runtimeServiceAccount', props.runtimeServiceAccount ?? 'debug-host', 253);
    if (runtimeNamespace.startsWith('tenant-')) {
      throw new ConstructPropsError(C, 'runtimeNamespace', `"${runtimeNamespace}" is a tenant namespace`, 'Run the runtime in its own namespace such as "debug-host".');
    }
    this.hostname = props.hostname === undefined ? undefined : requireDnsName(C, 'hostname', props.hostname);
    const q = { ...DEFAULT_TENANT_QUOTAS, ...stripUndefined(props.quotas ?? {}) };
    requireInt(C, 'quotas.containers', q.containers);
    requireInt(C, 'quotas.ports', q.ports);
    requireInt(C, 'quotas.persistentVolumeClaims', q.persistentVolumeClaims, 0);
    requireInt(C, 'quotas.configMaps', q.configMaps);
    requireInt(C, 'quotas.secrets', q.secrets);
    requireQuantity(C, 'quotas.memory', q.memory);
    requireQuantity(C, 'quotas.cpu', q.cpu);
    requireQuantity(C, 'quotas.storage', q.storage);
    this.quotas = q;
    const l = { ...DEFAULT_TENANT_LIMITS, ...stripUndefined(props.limits ?? {}) };
    for (const [k, v] of Object.entries(l)) requireQuantity(C, `limits.${k}`, v);

    const ns = this.namespaceName;
    const tenantLabels = { ...componentLabels('debug-host', 'tenant'), [TENANT_LABEL]: this.name };
    const meta = (name: string) => ({ name, namespace: ns, labels: tenantLabels });

    this.namespace = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: ns,
        labels: {
          ...(props.labels ?? {}),
          ...tenantLabels,
          ...podSecurityLabels('restricted', props.podSecurityVersion ?? 'v1.28'),
        },
        annotations: { 'debug-host.io/display-name': props.displayName ?? this.name },
      },
    });

    const hard: Record<string, string> = {
      'requests.cpu': String(q.cpu),
      'limits.cpu': String(q.cpu),
      'requests.memory': q.memory,
      'limits.memory': q.memory,
      'requests.storage': q.storage,
      pods: String(q.containers),
      services: String(q.ports),
      'services.nodeports': '0',
      'services.loadbalancers': '0',
      persistentvolumeclaims: String(q.persistentVolumeClaims),
      configmaps: String(q.configMaps),
      secrets: String(q.secrets),
    };
    this.resourceQuota = new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: meta('tenant-quota'),
      spec: { hard: Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, k8s.Quantity.fromString(v)])) },
    });

    const qty = k8s.Quantity.fromString;
    this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: meta('tenant-limits'),
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: qty(l.defaultCpu), memory: qty(l.defaultMemory) },
            defaultRequest: { cpu: qty(l.defaultRequestCpu), memory: qty(l.defaultRequestMemory) },
            max: { cpu: qty(l.maxCpu), memory: qty(l.maxMemory) },
          },
        ],
      },
    });

    const denyAll = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const allowDns = new k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: meta('allow-dns'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
    const allowRuntime = new k8s.KubeNetworkPolicy(this, 'AllowFromRuntime', {
      metadata: meta('allow-from-debug-host'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': runtimeNamespace } } }] }],
      },
    });
    const sameNamespace =
      props.allowSameNamespace === true
        ? [
            new k8s.KubeNetworkPolicy(this, 'AllowSameNamespace', {
              metadata: meta('allow-same-namespace'),
              spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] },
            }),
          ]
        : [];
    this.networkPolicies = [denyAll, allowDns, allowRuntime, ...sameNamespace];

    // The identity the tenant's project Pods run as; its rights end at this namespace.
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: meta(TENANT_SERVICE_ACCOUNT),
      automountServiceAccountToken: false,
    });
    // Tenants may read their workloads and quota use; they cannot change the quota, limit
    // range, network policies or role bindings (none of those are writable here).
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: meta(TENANT_SERVICE_ACCOUNT),
      rules: [
        { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'events', 'configmaps'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['resourcequotas', 'limitranges'], verbs: ['get', 'list'] },
      ],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(TENANT_SERVICE_ACCOUNT),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: TENANT_SERVICE_ACCOUNT },
      subjects: [{ kind: 'ServiceAccount', name: TENANT_SERVICE_ACCOUNT, namespace: ns }],
    });
    this.runtimeRole = new k8s.KubeRole(this, 'RuntimeRole', {
      metadata: meta(RUNTIME_TENANT_ROLE),
      rules: policyRules(RUNTIME_TENANT_RULES),
    });
    this.runtimeRoleBinding = new k8s.KubeRoleBinding(this, 'RuntimeRoleBinding', {
      metadata: meta(RUNTIME_TENANT_ROLE),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: RUNTIME_TENANT_ROLE },
      subjects: [{ kind: 'ServiceAccount', name: runtimeSa, namespace: runtimeNamespace }],
    });
    this.apiObjects = [
      this.namespace,
      this.resourceQuota,
      this.limitRange,
      ...this.networkPolicies,
      this.serviceAccount,
      this.role,
      this.roleBinding,
      this.runtimeRole,
      this.runtimeRoleBinding,
    ];
  }
}
