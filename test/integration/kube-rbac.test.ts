/**
 * RBAC for real: the synthesized runtime (DebugHost's ServiceAccount, Role, RoleBinding) and
 * two tenants are applied to the kube-apiserver of `scripts/services up kube`, then
 *
 * - SubjectAccessReview (as admin) for the runtime's ServiceAccount: every verb of the
 *   contract (constructs/runtime-rbac.ts) is allowed where it should be, and a list of
 *   things it must not do is denied (secrets, exec, patch, namespaces, nodes, cluster
 *   roles, kube-system, leases elsewhere);
 * - SelfSubjectRulesReview with the runtime's own token: its rules in a tenant namespace and
 *   in its own are exactly the contract (nothing else but what every authenticated user has);
 * - a tenant's ServiceAccount is denied everything in the other tenant's namespace;
 * - real requests with TokenRequest tokens: the runtime runs a project Pod + Service in a
 *   tenant namespace, reads its log and events, holds a Lease, and gets 403 for secrets and
 *   namespaces; tenant A's token gets 403 on tenant B's namespace.
 *
 * Own namespace names (not `debug-host`, `tenant-acme`), so a `local` Pulumi stack on the
 * same server is never touched; everything is deleted afterwards.
 */
import { dirname, join } from 'node:path';
import { App, Chart } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugHost } from '../../constructs/debug-host.js';
import { RUNTIME_OWN_NAMESPACE_RULES, RUNTIME_TENANT_RULES, TENANT_SERVICE_ACCOUNT, runtimeHpaRule, type PolicyRule } from '../../constructs/runtime-rbac.js';
import { Tenant } from '../../constructs/tenant.js';
import { Kube, type KubeObject, reason, waitFor } from './kube/client.js';

const FIELD_MANAGER = 'debug-host-kube-rbac-test';
const RUNTIME_NS = 'kube-rbac-runtime';
const RUNTIME_SA = 'debug-host';
/** The runtime's HPA (the DebugHost's name): the leader patches its floor, and nothing else. */
const RUNTIME_HPA = 'debug-host';
const A = Tenant.namespaceFor('kube-rbac-a');
const B = Tenant.namespaceFor('kube-rbac-b');
const NAMESPACES = [RUNTIME_NS, A, B];
const runtimeUser = `system:serviceaccount:${RUNTIME_NS}:${RUNTIME_SA}`;
const tenantUser = (ns: string) => `system:serviceaccount:${ns}:${TENANT_SERVICE_ACCOUNT}`;

interface Access {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly subresource?: string;
  /** Unset: cluster scope. */
  readonly namespace?: string;
  /** One object (resourceNames rules). */
  readonly name?: string;
}
const key = (a: Access) => `${a.group ?? ''}/${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.verb}`;
const show = (a: Access) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace ? `in ${a.namespace}` : 'cluster-wide'}`;

function manifests(): KubeObject[] {
  const chart = new Chart(new App(), 'rbac', { disableResourceNameHashes: true });
  new DebugHost(chart, 'runtime', { namespace: RUNTIME_NS });
  for (const name of ['kube-rbac-a', 'kube-rbac-b']) new Tenant(chart, name, { name, runtimeNamespace: RUNTIME_NS, runtimeServiceAccount: RUNTIME_SA });
  // The runtime's RBAC objects (its Deployment, HPA and monitor are not about access) and every tenant object.
  const objs = (chart.toJson() as KubeObject[]).filter((o) => o.metadata.namespace !== RUNTIME_NS || ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind));
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: RUNTIME_NS } }, ...objs.sort((a, b) => Number(b.kind === 'Namespace') - Number(a.kind === 'Namespace'))];
}

/** Every verb of every rule, as accesses in `namespace`. */
function expand(rules: readonly PolicyRule[], namespace: string): Access[] {
  return rules.flatMap((r) =>
    (r.resources ?? []).flatMap((res) => {
      const [resource = res, subresource] = res.split('/');
      return r.verbs.map((verb) => ({ verb, resource, subresource, group: r.apiGroups?.[0] || undefined, namespace }));
    }),
  );
}

describe('kube: RBAC of the runtime and the tenants, on a real API server', () => {
  let kube: Kube;

  async function allowed(user: string, a: Access): Promise<boolean> {
    const ns = user.split(':')[2] ?? '';
    const r = await kube.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      // The groups a real ServiceAccount token carries, so grants to them count too.
      spec: { user, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'], resourceAttributes: { ...a, group: a.group ?? '' } },
    });
    if (r.status !== 201) throw new Error(`SubjectAccessReview: ${reason(r)}`);
    return (r.body as { status: { allowed: boolean } }).status.allowed;
  }

  /** Accesses of `list` whose answer differs from `expected`. */
  async function wrong(user: string, list: readonly Access[], expected: boolean): Promise<string[]> {
    const out: string[] = [];
    for (const a of list) if ((await allowed(user, a)) !== expected) out.push(show(a));
    return out;
  }

  async function tokenFor(namespace: string, sa: string): Promise<Kube> {
    const r = await kube.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    if (r.status !== 201) throw new Error(`TokenRequest for ${namespace}/${sa}: ${reason(r)}`);
    return kube.withToken((r.body as { status: { token: string } }).status.token);
  }

  beforeAll(async () => {
    kube = await Kube.connect();
    const existing = await kube.namespaces();
    const stale = NAMESPACES.filter((n) => existing.has(n));
    if (stale.length > 0) await kube.deleteNamespaces(stale); // left by an interrupted run
    for (const o of manifests()) {
      const r = await kube.apply(o, FIELD_MANAGER);
      if (r.status !== 200 && r.status !== 201) throw new Error(`${o.kind} ${o.metadata.name}: ${reason(r)}`);
    }
  }, 180_000);

  afterAll(async () => {
    if (kube) await kube.deleteNamespaces(NAMESPACES);
  }, 180_000);

  it('the runtime may do every verb of its contract, in both tenant namespaces and its own', async () => {
    const contract = [...expand(RUNTIME_TENANT_RULES, A), ...expand(RUNTIME_TENANT_RULES, B), ...expand(RUNTIME_OWN_NAMESPACE_RULES, RUNTIME_NS)];
    expect(contract.length).toBe(2 * 14 + 6);
    expect(await wrong(runtimeUser, contract, true)).toEqual([]);
  });

  it('the runtime may do nothing beyond it: no secrets, exec, patch, cluster scope, kube-system, or leases elsewhere', async () => {
    const denied: Access[] = [
      ...['get', 'list', 'watch'].map((verb) => ({ verb, resource: 'secrets', namespace: A })),
      { verb: 'get', resource: 'configmaps', namespace: A },
      ...['update', 'patch', 'deletecollection'].flatMap((verb) => ['pods', 'services'].map((resource) => ({ verb, resource, namespace: A }))),
      { verb: 'create', resource: 'pods', subresource: 'exec', namespace: A },
      { verb: 'get', resource: 'pods', subresource: 'exec', namespace: A },
      { verb: 'create', resource: 'pods', subresource: 'attach', namespace: A },
      { verb: 'create', resource: 'pods', subresource: 'portforward', namespace: A },
      { verb: 'update', resource: 'pods', subresource: 'status', namespace: A },
      { verb: 'create', resource: 'events', namespace: A },
      { verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: A },
      { verb: 'update', resource: 'resourcequotas', namespace: A },
      { verb: 'delete', resource: 'networkpolicies', group: 'networking.k8s.io', namespace: A },
      { verb: 'create', resource: 'rolebindings', group: 'rbac.authorization.k8s.io', namespace: A },
      { verb: 'create', resource: 'deployments', group: 'apps', namespace: A },
      { verb: 'get', resource: 'leases', group: 'coordination.k8s.io', namespace: A },
      { verb: 'create', resource: 'namespaces' },
      { verb: 'list', resource: 'namespaces' },
      { verb: 'delete', resource: 'namespaces', namespace: A },
      { verb: 'list', resource: 'nodes' },
      { verb: 'list', resource: 'pods' },
      { verb: 'list', resource: 'secrets' },
      { verb: 'create', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
      { verb: 'create', resource: 'clusterrolebindings', group: 'rbac.authorization.k8s.io' },
      { verb: 'create', resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io' },
      { verb: 'list', resource: 'pods', namespace: 'kube-system' },
      { verb: 'create', resource: 'pods', namespace: 'default' },
      { verb: 'create', resource: 'pods', namespace: RUNTIME_NS },
      { verb: 'get', resource: 'secrets', namespace: RUNTIME_NS },
      { verb: 'create', resource: 'pods', namespace: Tenant.namespaceFor('kube-rbac-missing') },
      { verb: 'get', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system' },
      { verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-node-lease' },
      ...['list', 'watch', 'patch', 'delete'].map((verb) => ({ verb, resource: 'leases', group: 'coordination.k8s.io', namespace: RUNTIME_NS })),
      { verb: 'create', resource: 'endpointslices', group: 'discovery.k8s.io', namespace: RUNTIME_NS },
      { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', namespace: A },
    ];
    expect(await wrong(runtimeUser, denied, false)).toEqual([]);
  });

  it('the runtime may get and patch its own HPA (the autoscaler floor), and no other HPA, nor update or delete it', async () => {
    const hpa = (verb: string, name: string | undefined, namespace = RUNTIME_NS): Access => ({ verb, resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace, name });
    expect(await wrong(runtimeUser, [hpa('get', RUNTIME_HPA), hpa('patch', RUNTIME_HPA)], true)).toEqual([]);
    const denied = [hpa('patch', 'other-app'), hpa('get', 'other-app'), hpa('list', undefined), hpa('update', RUNTIME_HPA), hpa('delete', RUNTIME_HPA), hpa('create', undefined), hpa('patch', RUNTIME_HPA, A)];
    expect(await wrong(runtimeUser, denied, false)).toEqual([]);
  });

  it("a tenant's ServiceAccount cannot read or touch the other tenant's namespace (nor the runtime's)", async () => {
    const reads = ['pods', 'services', 'secrets', 'configmaps', 'events', 'serviceaccounts'].flatMap((resource) => ['get', 'list', 'watch'].map((verb) => ({ verb, resource })));
    const inOther = (ns: string): Access[] => [...reads.map((a) => ({ ...a, namespace: ns })), { verb: 'get', resource: 'pods', subresource: 'log', namespace: ns }, { verb: 'create', resource: 'pods', namespace: ns }];
    expect(await wrong(tenantUser(A), [...inOther(B), ...inOther(RUNTIME_NS)], false)).toEqual([]);
    expect(await wrong(tenantUser(B), inOther(A), false)).toEqual([]);
    // Not vacuous: in its own namespace it reads its workloads, and only reads.
    expect(await wrong(tenantUser(A), [{ verb: 'list', resource: 'pods', namespace: A }, { verb: 'get', resource: 'pods', subresource: 'log', namespace: A }], true)).toEqual([]);
    expect(await wrong(tenantUser(A), [{ verb: 'create', resource: 'pods', namespace: A }, { verb: 'get', resource: 'secrets', namespace: A }], false)).toEqual([]);
  });

  it("the runtime's own token: its rules per namespace are exactly the contract", async () => {
    const runtime = await tokenFor(RUNTIME_NS, RUNTIME_SA);
    // What every authenticated user may do (system:basic-user and friends): not the runtime's.
    const everyone = /^(authorization\.k8s\.io|authentication\.k8s\.io)\/self/;
    const rulesIn = async (namespace: string): Promise<string[]> => {
      const r = await runtime.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } });
      expect(r.status, reason(r)).toBe(201);
      const rules = (r.body as { status: { resourceRules: PolicyRule[] } }).status.resourceRules;
      return [...new Set(expand(rules, namespace).map(key))].filter((x) => !everyone.test(x)).sort();
    };
    const contract = (rules: readonly PolicyRule[], ns: string) => expand(rules, ns).map(key).sort();
    expect(await rulesIn(A)).toEqual(contract(RUNTIME_TENANT_RULES, A));
    expect(await rulesIn(RUNTIME_NS)).toEqual(contract([...RUNTIME_OWN_NAMESPACE_RULES, runtimeHpaRule(RUNTIME_HPA)], RUNTIME_NS));
    expect(await rulesIn('kube-system')).toEqual([]);
  });

  it('a token-file user without grants (`tester`) is refused too: RBAC holds for every authenticator', async () => {
    const file = process.env.DEBUG_HOST_KUBE_TESTER_KUBECONFIG ?? join(dirname(process.env.KUBECONFIG ?? ''), 'tester.kubeconfig');
    const tester = await Kube.connect(file);
    for (const path of ['/api/v1/namespaces', `/api/v1/namespaces/${A}/pods`]) {
      const r = await tester.request('GET', path);
      expect(r.status, `${path} as tester: ${reason(r)}`).toBe(403);
      expect(reason(r)).toContain('User "tester" cannot list resource');
    }
  });

  it('real requests with TokenRequest tokens: the runtime runs a project, tenant A gets 403 on tenant B', async () => {
    const runtime = await tokenFor(RUNTIME_NS, RUNTIME_SA);
    // A project Pod as the kubernetes driver would make it: restricted Pod Security, the tenant's ServiceAccount.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'project-1', namespace: A, labels: { app: 'project-1' } },
      spec: {
        serviceAccountName: TENANT_SERVICE_ACCOUNT,
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'app', image: 'node:24-slim', ports: [{ containerPort: 3000 }], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    const created = await runtime.request('POST', `/api/v1/namespaces/${A}/pods`, pod);
    expect(created.status, reason(created)).toBe(201);
    const svc = await runtime.request('POST', `/api/v1/namespaces/${A}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'project-1' }, spec: { selector: { app: 'project-1' }, ports: [{ port: 3000 }] } });
    expect(svc.status, reason(svc)).toBe(201);
    // Scheduled onto the kwok node, Running, and its log readable through the API server.
    await waitFor('project-1 to run', 60_000, async () => ((await runtime.request('GET', `/api/v1/namespaces/${A}/pods/project-1`)).body as { status?: { phase?: string } }).status?.phase === 'Running');
    for (const path of [`/api/v1/namespaces/${A}/pods`, `/api/v1/namespaces/${A}/events`, `/api/v1/namespaces/${A}/services`, `/api/v1/namespaces/${A}/pods/project-1/log`]) {
      const r = await runtime.request('GET', path);
      expect(r.status, `${path}: ${reason(r)}`).toBe(200);
    }
    // The LimitRange filled in the project's resources (the quota requires them).
    expect(((created.body as { spec: { containers: Array<{ resources: unknown }> } }).spec.containers[0] ?? { resources: {} }).resources).toMatchObject({ limits: { cpu: '500m', memory: '512Mi' } });
    const lease = await runtime.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${RUNTIME_NS}/leases`, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'debug-host-leader' }, spec: { holderIdentity: 'replica-1', leaseDurationSeconds: 15 } });
    expect(lease.status, reason(lease)).toBe(201);
    const renewed = await runtime.request('PUT', `/apis/coordination.k8s.io/v1/namespaces/${RUNTIME_NS}/leases/debug-host-leader`, { ...(lease.body as object), spec: { holderIdentity: 'replica-1', leaseDurationSeconds: 15, renewTime: new Date().toISOString().replace('Z', '000Z') } });
    expect(renewed.status, reason(renewed)).toBe(200);
    for (const path of [`/api/v1/namespaces/${A}/secrets`, '/api/v1/namespaces', `/api/v1/namespaces/kube-system/pods`, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`]) {
      const r = await runtime.request('GET', path);
      expect(r.status, `${path} as the runtime: ${reason(r)}`).toBe(403);
    }
    for (const name of ['pods', 'services']) {
      const r = await runtime.request('DELETE', `/api/v1/namespaces/${A}/${name}/project-1`);
      expect(r.status, reason(r)).toBe(200);
    }

    const tenantA = await tokenFor(A, TENANT_SERVICE_ACCOUNT);
    expect((await tenantA.request('GET', `/api/v1/namespaces/${A}/pods`)).status).toBe(200);
    for (const path of [`/api/v1/namespaces/${B}/pods`, `/api/v1/namespaces/${B}/secrets`, `/api/v1/namespaces/${B}/configmaps`]) {
      const r = await tenantA.request('GET', path);
      expect(r.status, `${path} as tenant A: ${reason(r)}`).toBe(403);
      expect(reason(r)).toContain(`User "${tenantUser(A)}" cannot list resource`);
    }
  });
});
