import type { DebugHostPlatformConfig } from './platform.js';
import type { TenantProps } from './tenant.js';

/** The environments `npm run synth` writes. */
export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Example tenants used by `npm run synth` (the Pulumi stacks declare the real ones in stacks/tenants/). */
export const EXAMPLE_TENANTS: readonly TenantProps[] = Object.freeze([
  { name: 'acme', displayName: 'Acme Corp' },
  { name: 'globex', displayName: 'Globex', quotas: { containers: 100, memory: '20Gi', cpu: 20, storage: '200Gi', ports: 200 } },
  { name: 'initech', displayName: 'Initech', quotas: { containers: 10, memory: '2Gi', cpu: '2', storage: '20Gi', ports: 20 } },
]);

/** The encrypted StorageClass of the data volumes (the stacks create one of the same name). */
export const ENCRYPTED_STORAGE_CLASS = 'debug-host-data';
const STORAGE_CLASS = { name: ENCRYPTED_STORAGE_CLASS } as const;

/**
 * Reference configs per environment: dev is small (single Postgres instance, Redis without
 * replicas, one Kafka node, 2-4 runtime replicas); staging uses the defaults with backups;
 * prod adds the disaster-recovery replica cluster and larger volumes.
 */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, DebugHostPlatformConfig>> = Object.freeze({
  dev: {
    environment: 'dev',
    storageClass: STORAGE_CLASS,
    domain: 'dev.debug-host.example.com',
    debugHost: { autoscaling: { minReplicas: 2, maxReplicas: 4 } },
    postgres: { instances: 1, storageSize: '5Gi', poolerInstances: 1, storageClass: ENCRYPTED_STORAGE_CLASS },
    redis: { replicasPerPrimary: 0, storageSize: '1Gi', memory: '256Mi', storageClass: ENCRYPTED_STORAGE_CLASS },
    kafka: { controllers: 1, brokers: 1, brokerStorageSize: '5Gi', controllerStorageSize: '1Gi', storageClass: ENCRYPTED_STORAGE_CLASS },
    gateway: { clusterIssuer: 'letsencrypt-staging' },
    tenants: EXAMPLE_TENANTS,
  },
  staging: {
    environment: 'staging',
    storageClass: STORAGE_CLASS,
    domain: 'staging.debug-host.example.com',
    postgres: { backupDestinationPath: 's3://debug-host-staging-backups/postgres', storageClass: ENCRYPTED_STORAGE_CLASS },
    redis: { storageClass: ENCRYPTED_STORAGE_CLASS },
    kafka: { storageClass: ENCRYPTED_STORAGE_CLASS },
    tenants: EXAMPLE_TENANTS,
  },
  prod: {
    environment: 'prod',
    storageClass: STORAGE_CLASS,
    domain: 'debug-host.example.com',
    postgres: {
      storageSize: '100Gi',
      storageClass: ENCRYPTED_STORAGE_CLASS,
      backupDestinationPath: 's3://debug-host-prod-backups/postgres',
      replica: { destinationPath: 's3://debug-host-prod-backups/postgres' },
    },
    redis: { storageSize: '20Gi', memory: '4Gi', storageClass: ENCRYPTED_STORAGE_CLASS },
    kafka: { brokers: 3, brokerStorageSize: '200Gi', storageClass: ENCRYPTED_STORAGE_CLASS },
    tenants: EXAMPLE_TENANTS,
  },
});

/** The reference config of one environment. */
export function environmentConfig(name: EnvironmentName): DebugHostPlatformConfig {
  return ENVIRONMENTS[name];
}
