import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, ENVIRONMENT_NAMES, synthPlatform, synthTenant } from '../../constructs/index.js';
import type { Obj } from './helpers.js';
import { checks, runChecks } from './isolation-checks.js';

const envs = Object.fromEntries(ENVIRONMENT_NAMES.map((e) => [e, synthPlatform(ENVIRONMENTS[e]) as Obj[]]));
const clone = (objs: readonly Obj[]): Obj[] => JSON.parse(JSON.stringify(objs));
const find = (objs: Obj[], kind: string, name: string, ns = 'tenant-acme'): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === ns);
  if (!o) throw new Error(`${kind} ${ns}/${name} not found`);
  return o;
};

describe('tenant isolation (multi-tenancy benchmark checks)', () => {
  it.each(ENVIRONMENT_NAMES)('%s passes every check', (env) => {
    const objs = envs[env] as Obj[];
    expect(objs.filter((o) => o.kind === 'Namespace' && o.metadata.name.startsWith('tenant-')).length).toBe(3);
    expect(runChecks(objs)).toEqual([]);
  });

  it('a lone tenant passes every check, also with allowSameNamespace', () => {
    expect(runChecks(synthTenant({ name: 'acme' }) as Obj[])).toEqual([]);
    expect(runChecks(synthTenant({ name: 'acme', allowSameNamespace: true }) as Obj[])).toEqual([]);
  });

  it('emits no ClusterRole or ClusterRoleBinding at all', () => {
    for (const objs of Object.values(envs)) expect(objs.filter((o) => o.kind.startsWith('Cluster') && o.apiVersion.startsWith('rbac'))).toEqual([]);
  });

  // Each check must catch the violation it exists for, or it proves nothing.
  describe('catches violations', () => {
    const dev = () => clone(envs.dev as Obj[]);
    it.each<[string, (objs: Obj[]) => void, RegExp]>([
      ['noClusterScopedGrants', (o) => o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'x' }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenant-acme' }] }), /cluster-scoped grant/],
      ['noGrantsOnClusterResources', (o) => find(o, 'Role', 'tenant').rules.push({ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }), /grants on namespaces/],
      ['tenantsCannotChangePolicy', (o) => find(o, 'Role', 'tenant').rules.push({ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete'] }), /delete networkpolicies/],
      ['tenantsCannotChangePolicy', (o) => find(o, 'Role', 'tenant').rules.push({ apiGroups: [''], resources: ['resourcequotas'], verbs: ['*'] }), /resourcequotas/],
      ['quotasComplete', (o) => delete find(o, 'ResourceQuota', 'tenant-quota').spec.hard['limits.memory'], /lacks limits.memory/],
      ['quotasComplete', (o) => (find(o, 'ResourceQuota', 'tenant-quota').spec.hard['services.nodeports'] = '1'), /NodePort/],
      ['limitRangeDefaults', (o) => delete find(o, 'LimitRange', 'tenant-limits').spec.limits[0].default, /LimitRange defaults/],
      ['restrictedPodSecurity', (o) => ((o.find((x) => x.kind === 'Namespace' && x.metadata.name === 'tenant-acme') as Obj).metadata.labels['pod-security.kubernetes.io/enforce'] = 'baseline'), /enforce restricted/],
      ['defaultDeny', (o) => (find(o, 'NetworkPolicy', 'default-deny').spec.policyTypes = ['Ingress']), /default-deny/],
      ['noCrossTenantTraffic', (o) => (find(o, 'NetworkPolicy', 'allow-from-debug-host').spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] = 'tenant-globex'), /admits tenant namespace tenant-globex/],
      ['noCrossTenantTraffic', (o) => (find(o, 'NetworkPolicy', 'allow-dns').spec.egress[0].to = undefined), /open to every peer/],
      ['noNodePorts', (o) => o.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'tenant-acme' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } }), /NodePort service/],
      ['uniqueHostnames', (o) => (find(o, 'HTTPRoute', 'tenant-globex', 'debug-host').spec.hostnames = ['acme.dev.debug-host.example.com']), /served for tenants acme and globex/],
      ['noCrossTenantBindings', (o) => find(o, 'RoleBinding', 'tenant').subjects.push({ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenant-globex' }), /binds a subject of tenant-globex/],
      ['noTenantTokens', (o) => (find(o, 'ServiceAccount', 'tenant').automountServiceAccountToken = true), /mounts its token/],
    ])('%s', (name, mutate, message) => {
      const objs = dev();
      mutate(objs);
      const violations = (checks[name] as (o: Obj[]) => string[])(objs);
      expect(violations.join('\n')).toMatch(message);
    });
  });
});
