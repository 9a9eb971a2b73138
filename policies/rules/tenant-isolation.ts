/**
 * Every tenant namespace is fenced: a ResourceQuota, a LimitRange and default-deny
 * NetworkPolicies for ingress and egress. Mandatory: without them one tenant can exhaust the
 * cluster or reach another tenant's projects.
 */
import { TENANT_LABEL, asArray, asObject, describe, isKind, isTenantNamespaceName, labelsOf, nameOf, namespaceOf, specOf } from './kubernetes.js';
import type { PolicyResource, StackFinding, StackRule } from './types.js';

function isTenantNamespace(r: PolicyResource): boolean {
  return isKind(r, 'Namespace', '') && (labelsOf(r)[TENANT_LABEL] !== undefined || isTenantNamespaceName(nameOf(r)));
}

/** An empty podSelector selects every pod of the namespace. */
function selectsAllPods(spec: Readonly<Record<string, unknown>>): boolean {
  const selector = asObject(spec['podSelector']);
  if (selector === undefined) return false;
  const labels = asObject(selector['matchLabels']) ?? {};
  return Object.keys(labels).length === 0 && asArray(selector['matchExpressions']).length === 0;
}

/** A policy that selects all pods, declares `direction` and allows nothing in that direction. */
export function isDefaultDeny(policy: PolicyResource, direction: 'Ingress' | 'Egress'): boolean {
  const spec = specOf(policy);
  const types = asArray(spec['policyTypes']);
  const rules = asArray(spec[direction === 'Ingress' ? 'ingress' : 'egress']);
  return selectsAllPods(spec) && types.includes(direction) && rules.length === 0;
}

export const tenantNamespaceIsolation: StackRule = {
  name: 'tenant-namespace-isolation',
  description: 'Every tenant namespace has a ResourceQuota, a LimitRange and default-deny ingress and egress NetworkPolicies.',
  level: 'mandatory',
  check(resources) {
    const findings: StackFinding[] = [];
    for (const ns of resources.filter(isTenantNamespace)) {
      const name = nameOf(ns);
      const inNs = resources.filter((r) => namespaceOf(r) === name);
      const policies = inNs.filter((r) => isKind(r, 'NetworkPolicy', 'networking.k8s.io'));
      const add = (message: string) => findings.push({ resource: ns, message: `${describe(ns)}: ${message}` });
      if (!inNs.some((r) => isKind(r, 'ResourceQuota', ''))) {
        add('has no ResourceQuota; add one (the Tenant construct creates "tenant-quota").');
      }
      if (!inNs.some((r) => isKind(r, 'LimitRange', ''))) {
        add('has no LimitRange; add one (the Tenant construct creates "tenant-limits").');
      }
      for (const direction of ['Ingress', 'Egress'] as const) {
        if (!policies.some((p) => isDefaultDeny(p, direction))) {
          add(`has no default-deny ${direction.toLowerCase()} NetworkPolicy; add one with an empty podSelector, policyTypes [${direction}] and no ${direction.toLowerCase()} rules.`);
        }
      }
    }
    return findings;
  },
};
