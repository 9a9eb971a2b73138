/**
 * From the stack config to the cdk8s objects, split by owner: the shared platform objects and
 * each tenant's own (its Tenant namespace objects, Kafka user, routes, ...). A tenant's objects
 * are the ones that appear only when it is synthesized: so they deploy in its TenantStack and
 * adding a tenant never rewrites the shared ones.
 */
import { synthPlatform, type DebugHostPlatformConfig, type TenantProps } from '@debug-host/constructs';
import type { StackConfig } from './config.js';
import { manifestKey, type Manifest } from './kubernetes/manifests.js';
import { tenantHostname, type TenantDefinition } from './tenant-definition.js';

/** The StorageClass the stack declares and every data service uses. */
export const DATA_STORAGE_CLASS = 'debug-host-data';
/** Namespace of the runtime and its data services. */
export const PLATFORM_NAMESPACE = 'debug-host';
/**
 * The runtime's cluster secret (signs calls forwarded between replicas), given explicitly so
 * that it never depends on how tokens are verified; `platformSecrets` creates it.
 */
export const CLUSTER_SECRET_REF = { name: 'debug-host-cluster', key: 'secret' } as const;

/** The construct config of one environment (tenants are added by `splitPlatformManifests`). */
export function platformConfigFor(config: StackConfig, backupDestinationPath: string | undefined, clusterIssuer: string): DebugHostPlatformConfig {
  const p = config.platform;
  return {
    environment: config.environment,
    domain: config.domain,
    namespace: PLATFORM_NAMESPACE,
    debugHost: { image: p.runtimeImage, autoscaling: { minReplicas: p.minReplicas, maxReplicas: p.maxReplicas }, clusterSecret: CLUSTER_SECRET_REF },
    postgres: {
      instances: p.postgresInstances,
      storageSize: p.postgresStorage,
      storageClass: DATA_STORAGE_CLASS,
      database: config.postgres.database,
      // The TenantStacks own the schemas (@pulumi/postgresql), not a CNPG Database.
      declareTenantSchemas: false,
      ...(backupDestinationPath === undefined ? {} : { backupDestinationPath }),
    },
    redis: p.redis ? { storageClass: DATA_STORAGE_CLASS } : false,
    kafka: p.kafka ? { storageClass: DATA_STORAGE_CLASS } : false,
    gateway: { clusterIssuer },
  };
}

export function tenantPropsFor(tenant: TenantDefinition, config: StackConfig): TenantProps {
  return {
    name: tenant.name,
    hostname: tenantHostname(tenant, config.environment, config.domain),
    ...(tenant.displayName === undefined ? {} : { displayName: tenant.displayName }),
    ...(tenant.quotas === undefined ? {} : { quotas: tenant.quotas }),
    ...(tenant.limits === undefined ? {} : { limits: tenant.limits }),
  };
}

export interface PlatformManifests {
  /** Objects that exist whatever the tenants. */
  readonly shared: readonly Manifest[];
  /** Each tenant's own objects, by tenant name. */
  readonly tenants: ReadonlyMap<string, readonly Manifest[]>;
  /** Shared objects whose content depends on the tenant list (each tenant change rewrites them). */
  readonly tenantDependentShared: readonly string[];
}

export function splitPlatformManifests(platform: DebugHostPlatformConfig, tenants: readonly TenantProps[]): PlatformManifests {
  const all = synthPlatform(platform, tenants) as Manifest[];
  const base = new Map((synthPlatform(platform, []) as Manifest[]).map((m) => [manifestKey(m), m]));
  const owner = new Map<string, string>();
  for (const t of tenants) {
    for (const m of synthPlatform(platform, [t]) as Manifest[]) {
      const key = manifestKey(m);
      if (!base.has(key)) owner.set(key, t.name);
    }
  }
  const shared: Manifest[] = [];
  const byTenant = new Map<string, Manifest[]>(tenants.map((t) => [t.name, []]));
  const dependent: string[] = [];
  for (const m of all) {
    const key = manifestKey(m);
    const tenant = owner.get(key);
    if (tenant !== undefined) {
      byTenant.get(tenant)?.push(m);
      continue;
    }
    const baseline = base.get(key);
    if (baseline === undefined) {
      throw new Error(`Object ${key} appears only when several tenants are synthesized together; the constructs must give each object a single owner.`);
    }
    if (JSON.stringify(baseline) !== JSON.stringify(m)) dependent.push(key);
    shared.push(m);
  }
  return { shared, tenants: byTenant, tenantDependentShared: dependent };
}
