import { JsonPatch } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LIMITS, DEFAULT_TENANT_QUOTAS, MAX_TENANT_NAME_LENGTH, Tenant, tenantQuotasFromRuntime } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const acme = () => synth((c) => new Tenant(c, 'acme', { name: 'acme' }));

describe('Tenant', () => {
  it('synthesizes objects that all validate against the Kubernetes schema', async () => {
    await expectValid(acme());
    await expectValid(synth((c) => new Tenant(c, 't', { name: 'big', quotas: { cpu: '2500m', memory: '512Mi' }, runtimeNamespace: 'platform' })));
  });

  it('keeps its shape', () => {
    expect(acme()).toMatchSnapshot();
  });

  it('creates namespace tenant-<name> labelled with the tenant and restricted Pod Security', () => {
    const ns = one(acme(), 'Namespace');
    expect(ns.metadata.name).toBe('tenant-acme');
    expect(Tenant.namespaceFor('acme')).toBe('tenant-acme');
    expect(ns.metadata.labels).toMatchObject({
      'debug-host.io/tenant': 'acme',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(ns.metadata.annotations['debug-host.io/display-name']).toBe('acme'); // @default name
  });

  it('puts every namespaced object in the tenant namespace with the tenant label', () => {
    for (const o of acme().filter((o) => o.kind !== 'Namespace')) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('tenant-acme');
      expect(o.metadata.labels['debug-host.io/tenant']).toBe('acme');
    }
  });

  it('maps the seed quotas (containers 50, memory 10Gi, cpu 10, storage 100Gi, ports 100) by default', () => {
    expect(DEFAULT_TENANT_QUOTAS).toEqual({ containers: 50, ports: 100, memory: '10Gi', cpu: 10, storage: '100Gi', persistentVolumeClaims: 20, configMaps: 100, secrets: 100 });
    const hard = one(acme(), 'ResourceQuota').spec.hard;
    expect(hard).toEqual({
      'requests.cpu': '10',
      'limits.cpu': '10',
      'requests.memory': '10Gi',
      'limits.memory': '10Gi',
      'requests.storage': '100Gi',
      pods: '50',
      services: '100',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
      persistentvolumeclaims: '20',
      configmaps: '100',
      secrets: '100',
    });
  });

  it('maps custom quotas, keeping defaults for unset ones, and accepts the runtime record', () => {
    const objs = synth((c) => new Tenant(c, 't', { name: 'xyz', quotas: { containers: 5, cpu: '1500m', ports: undefined } }));
    const hard = one(objs, 'ResourceQuota').spec.hard;
    expect(hard).toMatchObject({ pods: '5', 'requests.cpu': '1500m', 'limits.cpu': '1500m', services: '100', 'requests.memory': '10Gi' });
    expect(tenantQuotasFromRuntime({ containers: 3, ports: 4, memoryMiB: 1024, cpuMillis: 2000, storageMiB: 4096 })).toEqual({
      containers: 3, ports: 4, memory: '1024Mi', cpu: '2000m', storage: '4096Mi',
    });
  });

  it('sets LimitRange defaults', () => {
    expect(DEFAULT_TENANT_LIMITS).toEqual({ defaultCpu: '500m', defaultMemory: '512Mi', defaultRequestCpu: '100m', defaultRequestMemory: '128Mi', maxCpu: '4', maxMemory: '8Gi' });
    const [limit] = one(acme(), 'LimitRange').spec.limits;
    expect(limit).toEqual({
      type: 'Container',
      default: { cpu: '500m', memory: '512Mi' },
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      max: { cpu: '4', memory: '8Gi' },
    });
  });

  it('denies all ingress and egress, then admits DNS and the runtime namespace only', () => {
    const objs = acme();
    const policies = all(objs, 'NetworkPolicy');
    expect(policies.map((p) => p.metadata.name).sort()).toEqual(['allow-dns', 'allow-from-debug-host', 'default-deny']);
    const deny = one(objs, 'NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = one(objs, 'NetworkPolicy', 'allow-dns');
    expect(dns.spec.policyTypes).toEqual(['Egress']);
    expect(dns.spec.egress).toHaveLength(1);
    expect(dns.spec.egress[0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
    expect(dns.spec.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    const runtime = one(objs, 'NetworkPolicy', 'allow-from-debug-host');
    expect(runtime.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'debug-host' } } }] }], // @default runtimeNamespace
    });
  });

  it('lets the tenant\'s own pods talk to each other only when allowSameNamespace is set', async () => {
    expect(all(acme(), 'NetworkPolicy', 'allow-same-namespace')).toHaveLength(0); // @default false
    const objs = synth((c) => new Tenant(c, 't', { name: 'acme', allowSameNamespace: true }));
    expect(one(objs, 'NetworkPolicy', 'allow-same-namespace').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    await expectValid(objs);
  });

  it('admits a custom runtime namespace and binds its service account', () => {
    const objs = synth((c) => new Tenant(c, 't', { name: 'acme', runtimeNamespace: 'platform', runtimeServiceAccount: 'runner' }));
    expect(one(objs, 'NetworkPolicy', 'allow-from-debug-host').spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('platform');
    expect(one(objs, 'RoleBinding', 'debug-host-runtime').subjects).toEqual([{ kind: 'ServiceAccount', name: 'runner', namespace: 'platform' }]);
  });

  it('gives the tenant a service account without a mounted token and read-only namespaced roles', () => {
    const objs = acme();
    expect(one(objs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(all(objs, 'ClusterRole')).toHaveLength(0);
    expect(all(objs, 'ClusterRoleBinding')).toHaveLength(0);
    const role = one(objs, 'Role', 'tenant');
    for (const rule of role.rules) expect(rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    expect(one(objs, 'RoleBinding', 'tenant')).toMatchObject({
      roleRef: { kind: 'Role', name: 'tenant' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenant-acme' }],
    });
    // The runtime's contract here, exactly: run Pods and Services, read logs and events.
    expect(one(objs, 'Role', 'debug-host-runtime').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(one(objs, 'RoleBinding', 'debug-host-runtime').subjects).toEqual([{ kind: 'ServiceAccount', name: 'debug-host', namespace: 'debug-host' }]);
  });

  it('merges extra namespace labels under the enforced ones and pins another PSS version', () => {
    const objs = synth((c) => new Tenant(c, 't', { name: 'acme', labels: { team: 'a', 'debug-host.io/tenant': 'evil', 'pod-security.kubernetes.io/enforce': 'privileged' }, podSecurityVersion: 'latest' }));
    expect(one(objs, 'Namespace').metadata.labels).toMatchObject({ team: 'a', 'debug-host.io/tenant': 'acme', 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' });
  });

  it('exposes every object as an escape hatch', () => {
    const objs = synth((c) => {
      const t = new Tenant(c, 't', { name: 'acme' });
      expect(t.apiObjects).toHaveLength(11);
      expect(t.namespaceName).toBe('tenant-acme');
      expect(t.hostname).toBeUndefined(); // @default: set by the platform's Gateway
      t.resourceQuota.addJsonPatch(JsonPatch.add('/metadata/annotations', { owner: 'team-a' }));
    });
    expect(one(objs, 'ResourceQuota').metadata.annotations).toEqual({ owner: 'team-a' });
  });

  describe('rejects bad props with a message naming the prop and the fix', () => {
    const make = (props: object) => () => synth((c) => new Tenant(c, 't', props as never));
    it.each([
      ['Acme', /Tenant: invalid prop 'name': "Acme" is not a valid tenant id: it contains "A"; a tenant id is 3-40 characters: lowercase.*Set name to 'acme'\./],
      ['acme_corp', /invalid prop 'name'/],
      ['-acme', /invalid prop 'name'/],
      ['', /invalid prop 'name'/],
      ['ab', /invalid prop 'name'.*fewer than 3/],
      ['1abc', /invalid prop 'name'.*starts with "1", not a letter/],
      ['a'.repeat(MAX_TENANT_NAME_LENGTH + 1), /invalid prop 'name'.*more than 40/],
    ])('invalid tenant name %j', (name, message) => {
      expect(make({ name })).toThrow(message);
    });
    it('accepts the longest allowed name', () => {
      expect(make({ name: 'a'.repeat(MAX_TENANT_NAME_LENGTH) })).not.toThrow();
    });
    it.each([
      [{ containers: 0 }, /'quotas.containers'.*integer >= 1/],
      [{ containers: -5 }, /'quotas.containers'/],
      [{ containers: 1.5 }, /'quotas.containers'/],
      [{ ports: 0 }, /'quotas.ports'/],
      [{ memory: '0Gi' }, /'quotas.memory'.*positive Kubernetes quantity.*"512Mi"/],
      [{ memory: '10 GB' }, /'quotas.memory'/],
      [{ cpu: 0 }, /'quotas.cpu'/],
      [{ cpu: '-1' }, /'quotas.cpu'/],
      [{ storage: 'lots' }, /'quotas.storage'/],
      [{ secrets: 0 }, /'quotas.secrets'/],
    ])('quota %j that is not positive or not a quantity', (quotas, message) => {
      expect(make({ name: 'acme', quotas })).toThrow(message);
    });
    it('a latency objective that is not a bucket bound of the latency histogram', () => {
      expect(make({ name: 'acme', p99LatencySeconds: 0.7 })).toThrow(/'p99LatencySeconds'.*0\.7 s is not a bucket bound.*Use one of 0\.005/);
      expect(make({ name: 'acme', p99LatencySeconds: 0.5 })).not.toThrow();
    });
    it('a limit that is not a quantity', () => {
      expect(make({ name: 'acme', limits: { maxMemory: 'big' } })).toThrow(/'limits.maxMemory'/);
    });
    it('a runtime namespace that is a tenant namespace', () => {
      expect(make({ name: 'acme', runtimeNamespace: 'tenant-other' })).toThrow(/'runtimeNamespace'.*tenant namespace/);
    });
    it('a hostname that is not a DNS name', () => {
      expect(make({ name: 'acme', hostname: 'https://acme.example.com' })).toThrow(/'hostname'/);
    });
    it('missing props', () => {
      expect(make(undefined as never)).toThrow(/Tenant: invalid prop 'props'/);
    });
  });
});
