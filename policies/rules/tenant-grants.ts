/**
 * Tenants get namespaced grants only. A ClusterRoleBinding that names a tenant's
 * ServiceAccount (or is labelled as a tenant's) would let that tenant read or change other
 * tenants' namespaces. Mandatory.
 */
import { TENANT_LABEL, asArray, asObject, describe, isKind, isTenantNamespaceName, labelsOf } from './kubernetes.js';
import type { ResourceRule } from './types.js';

export const noClusterGrantsToTenants: ResourceRule = {
  name: 'no-cluster-grants-to-tenants',
  description: 'No ClusterRoleBinding may grant anything to a tenant subject (a ServiceAccount in a tenant namespace or an object labelled with a tenant).',
  level: 'mandatory',
  check(r) {
    if (!isKind(r, 'ClusterRoleBinding', 'rbac.authorization.k8s.io')) return [];
    const out: string[] = [];
    const tenant = labelsOf(r)[TENANT_LABEL];
    if (tenant !== undefined) {
      out.push(`${describe(r)}: is a cluster-scoped grant for tenant "${tenant}"; use a RoleBinding in the tenant namespace instead.`);
    }
    for (const s of asArray(r.props['subjects'])) {
      const subject = asObject(s) ?? {};
      const ns = typeof subject['namespace'] === 'string' ? subject['namespace'] : undefined;
      if (isTenantNamespaceName(ns)) {
        out.push(`${describe(r)}: grants a cluster role to ${String(subject['kind'])} ${ns}/${String(subject['name'])} of a tenant namespace; use a RoleBinding in that namespace instead.`);
        continue;
      }
      // The same ServiceAccounts named as a group or user: system:serviceaccounts:<ns>, system:serviceaccount:<ns>:<name>.
      const name = typeof subject['name'] === 'string' ? subject['name'] : '';
      const saNamespace = /^system:serviceaccounts?:([^:]+)/.exec(name)?.[1];
      if (isTenantNamespaceName(saNamespace)) {
        out.push(`${describe(r)}: grants a cluster role to ${String(subject['kind'])} "${name}" (ServiceAccounts of a tenant namespace); use a RoleBinding in that namespace instead.`);
      }
    }
    return out;
  },
};
