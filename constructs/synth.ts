import { App, Chart } from 'cdk8s';
import { DebugHostPlatform, type DebugHostPlatformConfig } from './platform.js';
import { Tenant, type TenantProps } from './tenant.js';

/** A plain Kubernetes manifest as synthesized (what `kubectl apply` or @pulumi/kubernetes takes). */
export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown } };

function chart(): Chart {
  return new Chart(new App(), 'debug-host', { disableResourceNameHashes: true });
}

/**
 * The plain manifests of one environment: `config` plus `tenants` (appended to
 * `config.tenants`). Throws a ConstructPropsError naming the prop when the config is invalid.
 */
export function synthPlatform(config: DebugHostPlatformConfig, tenants: readonly TenantProps[] = []): Manifest[] {
  const c = chart();
  new DebugHostPlatform(c, 'platform', { ...config, tenants: [...(config.tenants ?? []), ...tenants] });
  return c.toJson() as Manifest[];
}

/** The manifests of one tenant alone (namespace, quota, limits, policies, roles). */
export function synthTenant(tenant: TenantProps): Manifest[] {
  const c = chart();
  new Tenant(c, 'tenant', tenant);
  return c.toJson() as Manifest[];
}
