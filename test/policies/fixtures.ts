/** Small builders of Kubernetes objects and PolicyResources for the rule tests. */
import type { PolicyResource } from '../../policies/rules/types.js';

type Obj = Record<string, unknown>;

/** A Kubernetes object as Pulumi sees it: `kubernetes:<group|core>/<version>:<Kind>`. */
export function k8sResource(obj: Obj & { apiVersion: string; kind: string }): PolicyResource {
  const gv = obj.apiVersion.includes('/') ? obj.apiVersion : `core/${obj.apiVersion}`;
  const meta = (obj['metadata'] ?? {}) as { name?: string; namespace?: string };
  return { type: `kubernetes:${gv}:${obj.kind}`, name: `${meta.namespace ?? ''}/${meta.name ?? ''}`, props: obj };
}

export function awsResource(type: string, name: string, props: Obj): PolicyResource {
  return { type, name, props };
}

/** A compliant container; override any field. */
export function container(overrides: Obj = {}): Obj {
  return {
    name: 'app',
    image: 'ghcr.io/debug-host/runtime:0.1.0',
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    ...overrides,
  };
}

/** A compliant Deployment `ns/name` whose pod spec is extended with `pod`. */
export function deployment(pod: Obj = {}, name = 'web', ns = 'tenant-acme'): PolicyResource {
  return k8sResource({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: { template: { spec: { containers: [container()], ...pod } } },
  });
}

/** A tenant namespace with all its fences; drop kinds with `without`. */
export function fencedTenant(tenant: string, without: readonly string[] = []): PolicyResource[] {
  const ns = `tenant-${tenant}`;
  const all = [
    k8sResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'debug-host.io/tenant': tenant } } }),
    k8sResource({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'tenant-quota', namespace: ns }, spec: { hard: { pods: '10' } } }),
    k8sResource({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'tenant-limits', namespace: ns }, spec: { limits: [] } }),
    k8sResource({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } }),
    k8sResource({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } }),
  ];
  return all.filter((r) => !without.includes(String(r.props['kind'])));
}
