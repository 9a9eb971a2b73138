/** Label keys and helpers shared by every construct. */

/** The label every tenant-owned object carries: `debug-host.io/tenant: <name>`. */
export const TENANT_LABEL = 'debug-host.io/tenant';
/** The label naming the platform environment (dev, staging, prod, ...). */
export const ENVIRONMENT_LABEL = 'debug-host.io/environment';

/** Recommended `app.kubernetes.io/*` labels for one component. */
export function componentLabels(name: string, component: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'debug-host',
    'app.kubernetes.io/managed-by': 'cdk8s',
    ...extra,
  };
}

/** Pod Security Admission labels that enforce, audit and warn at `level`. */
export function podSecurityLabels(level: 'restricted' | 'baseline' | 'privileged', version = 'v1.28', warnLevel = level): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/enforce-version': version,
    'pod-security.kubernetes.io/audit': warnLevel,
    'pod-security.kubernetes.io/audit-version': version,
    'pod-security.kubernetes.io/warn': warnLevel,
    'pod-security.kubernetes.io/warn-version': version,
  };
}
