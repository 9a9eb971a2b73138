import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Cluster,
  type ClusterSpecBackup,
  ClusterSpecBackupBarmanObjectStoreDataCompression,
  ClusterSpecBackupBarmanObjectStoreWalCompression,
  type ClusterSpecExternalClustersBarmanObjectStore,
  Database,
  DatabaseSpecEnsure,
  DatabaseSpecSchemasEnsure,
  Pooler,
  PoolerSpecPgbouncerPoolMode,
  PoolerSpecType,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
} from './imports/cnpg-postgresql.cnpg.io.js';
import { componentLabels } from './labels.js';
import { ConstructPropsError, requireDnsLabel, requireInt, requireQuantity, requireTenantId } from './validation.js';

/** A replica cluster in another region for disaster recovery (CNPG replica cluster fed from the primary's object store). */
export interface PostgresReplicaProps {
  /** Name of the replica Cluster. @default '<name>-replica' */
  readonly name?: string;
  /** Object-store path the primary archives to and the replica restores from (e.g. 's3://bucket/prefix'). */
  readonly destinationPath: string;
  /** Secret with the object-store credentials. @default - IAM role for service accounts (no keys) */
  readonly credentialsSecret?: string;
}

export interface PostgresHAProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** CNPG Cluster name. @default 'debug-host-pg' */
  readonly name?: string;
  /** @default 3 */
  readonly instances?: number;
  /**
   * Standbys that must confirm each commit before it is acknowledged (CNPG min/maxSyncReplicas):
   * a failover then loses no acknowledged write. Writes wait while fewer standbys are ready.
   * @default 1 when instances >= 2, else 0 (a single instance has no standby)
   */
  readonly synchronousReplicas?: number;
  /** PVC size per instance. @default '20Gi' */
  readonly storageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Postgres image. @default 'ghcr.io/cloudnative-pg/postgresql:17.5' */
  readonly imageName?: string;
  /** Database and owner created at bootstrap. @default 'debug_host' */
  readonly database?: string;
  /** Object-store path for WAL archive and base backups (e.g. 's3://bucket/postgres'). @default - no backups (dev) */
  readonly backupDestinationPath?: string;
  /** Secret with keys ACCESS_KEY_ID and ACCESS_SECRET_KEY for the object store. @default - IAM role for service accounts */
  readonly backupCredentialsSecret?: string;
  /** CNPG's six-field cron (seconds first) of the ScheduledBackup. @default '0 0 3 * * *' (03:00 daily) */
  readonly backupSchedule?: string;
  /** @default '30d' */
  readonly backupRetention?: string;
  /** PgBouncer instances of the Pooler (transaction mode, rw). @default 2 */
  readonly poolerInstances?: number;
  /** Tenant ids: one schema `tenant_<id>` each, declared in a CNPG `Database`. @default [] */
  readonly tenantSchemas?: readonly string[];
  /** Declare `tenantSchemas` in a CNPG Database (false when another tool owns the schemas). @default true */
  readonly declareTenantSchemas?: boolean;
  /** Replica cluster in another region (requires `backupDestinationPath`). @default - none */
  readonly replica?: PostgresReplicaProps;
}

/** The runtime's schema name for a tenant id: `tenant_<id with - replaced by _>`. */
export function tenantSchemaName(tenant: string): string {
  return `tenant_${tenant.replace(/-/g, '_')}`;
}

const SIX_FIELD_CRON = /^(\S+\s+){5}\S+$/;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * CloudNativePG: a `Cluster` (3 instances, required pod anti-affinity across nodes, PDB,
 * PodMonitor), a `ScheduledBackup` and barman object store when a destination is set, a
 * PgBouncer `Pooler`, a `Database` declaring the tenant schemas, and optionally a replica
 * `Cluster` for another region. The app credentials land in CNPG's `<name>-app` Secret
 * (key `uri`), which the platform passes to the runtime as DATABASE_URL.
 *
 * Escape hatch: `cluster`, `pooler`, `scheduledBackup`, `database`, `replicaCluster`.
 *
 * @see https://cloudnative-pg.io/documentation/1.30/ (Cluster, Backup, Pooler, Database, Replica clusters)
 */
export class PostgresHA extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  /** Secret CNPG writes with the app user's connection URI (key `uri`). */
  readonly appSecretName: string;
  /** `<name>-pooler-rw.<namespace>.svc`. */
  readonly poolerHost: string;
  readonly cluster: ApiObject;
  readonly pooler: ApiObject;
  readonly scheduledBackup: ApiObject | undefined;
  readonly database: ApiObject | undefined;
  readonly replicaCluster: ApiObject | undefined;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: PostgresHAProps = {}) {
    super(scope, id);
    const C = 'PostgresHA';
    this.name = requireDnsLabel(C, 'name', props.name ?? 'debug-host-pg', 50);
    this.namespaceName = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    const instances = requireInt(C, 'instances', props.instances ?? 3, 1, 9);
    const syncReplicas = requireInt(C, 'synchronousReplicas', props.synchronousReplicas ?? (instances >= 2 ? 1 : 0), 0, instances - 1);
    const storageSize = requireQuantity(C, 'storageSize', props.storageSize ?? '20Gi');
    const db = props.database ?? 'debug_host';
    if (!IDENT.test(db)) {
      throw new ConstructPropsError(C, 'database', `${JSON.stringify(db)} is not a plain Postgres identifier`, 'Use lowercase letters, digits and "_", e.g. "debug_host".');
    }
    const schedule = props.backupSchedule ?? '0 0 3 * * *';
    if (!SIX_FIELD_CRON.test(schedule.trim())) {
      throw new ConstructPropsError(C, 'backupSchedule', `${JSON.stringify(schedule)} does not have six fields`, 'CloudNativePG cron has seconds first: "0 0 3 * * *" runs at 03:00 daily.');
    }
    if (props.replica && !props.backupDestinationPath) {
      throw new ConstructPropsError(C, 'replica', 'a replica cluster needs the primary\'s object store', 'Set backupDestinationPath too (the replica restores and follows WAL from it).');
    }
    for (const p of [props.backupDestinationPath, props.replica?.destinationPath]) {
      if (p !== undefined && !/^[a-z0-9]+:\/\/\S+$/.test(p)) {
        throw new ConstructPropsError(C, 'backupDestinationPath', `${JSON.stringify(p)} is not an object-store URL`, 'Use e.g. "s3://my-bucket/postgres".');
      }
    }
    const poolerInstances = requireInt(C, 'poolerInstances', props.poolerInstances ?? 2, 1);
    const tenants = props.tenantSchemas ?? [];
    for (const t of tenants) requireTenantId(C, 'tenantSchemas[]', t);

    const ns = this.namespaceName;
    const name = this.name;
    this.appSecretName = `${name}-app`;
    this.poolerHost = `${name}-pooler-rw.${ns}.svc`;
    const labels = componentLabels(name, 'database');
    const meta = (n: string) => ({ name: n, namespace: ns, labels });

    const backup: ClusterSpecBackup | undefined = props.backupDestinationPath
      ? {
          retentionPolicy: props.backupRetention ?? '30d',
          barmanObjectStore: {
            destinationPath: props.backupDestinationPath,
            ...objectStoreCredentials(props.backupCredentialsSecret),
            wal: { compression: ClusterSpecBackupBarmanObjectStoreWalCompression.GZIP, maxParallel: 4 },
            data: { compression: ClusterSpecBackupBarmanObjectStoreDataCompression.GZIP },
          },
        }
      : undefined;

    this.cluster = new Cluster(this, 'Cluster', {
      metadata: meta(name),
      spec: {
        instances,
        // 0 and 0 is CloudNativePG's asynchronous default, written out so that every environment has the same fields.
        minSyncReplicas: syncReplicas,
        maxSyncReplicas: syncReplicas,
        imageName: props.imageName ?? 'ghcr.io/cloudnative-pg/postgresql:17.5',
        enablePdb: true,
        storage: { size: storageSize, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'cnpg.io/cluster': name } } },
        ],
        monitoring: { enablePodMonitor: true },
        bootstrap: { initdb: { database: db, owner: db } },
        ...(backup ? { backup } : {}),
      },
    });

    this.scheduledBackup = backup
      ? new ScheduledBackup(this, 'ScheduledBackup', {
          metadata: meta(`${name}-daily`),
          spec: {
            schedule,
            cluster: { name },
            method: ScheduledBackupSpecMethod.BARMAN_OBJECT_STORE,
            backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
            immediate: true,
          },
        })
      : undefined;

    this.pooler = new Pooler(this, 'Pooler', {
      metadata: meta(`${name}-pooler-rw`),
      spec: {
        cluster: { name },
        instances: poolerInstances,
        type: PoolerSpecType.RW,
        pgbouncer: { poolMode: PoolerSpecPgbouncerPoolMode.TRANSACTION, parameters: { max_client_conn: '1000', default_pool_size: '20' } },
        monitoring: { enablePodMonitor: true },
      },
    });

    this.database =
      props.declareTenantSchemas === false || tenants.length === 0
        ? undefined
        : new Database(this, 'Database', {
            metadata: meta(`${name}-${db.replace(/_/g, '-')}`),
            spec: {
              name: db,
              owner: db,
              cluster: { name },
              ensure: DatabaseSpecEnsure.PRESENT,
              schemas: tenants.map((t) => ({ name: tenantSchemaName(t), owner: db, ensure: DatabaseSpecSchemasEnsure.PRESENT })),
            },
          });

    let replicaCluster: ApiObject | undefined;
    if (props.replica) {
      const replicaName = requireDnsLabel(C, 'replica.name', props.replica.name ?? `${name}-replica`, 50);
      const source: ClusterSpecExternalClustersBarmanObjectStore = {
        destinationPath: props.replica.destinationPath,
        serverName: name,
        ...objectStoreCredentials(props.replica.credentialsSecret ?? props.backupCredentialsSecret),
      };
      replicaCluster = new Cluster(this, 'ReplicaCluster', {
        metadata: { ...meta(replicaName), annotations: { 'debug-host.io/deploy-to': 'disaster-recovery-region' } },
        spec: {
          instances,
          imageName: props.imageName ?? 'ghcr.io/cloudnative-pg/postgresql:17.5',
          enablePdb: true,
          storage: { size: storageSize, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
          affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
          monitoring: { enablePodMonitor: true },
          bootstrap: { recovery: { source: name } },
          replica: { enabled: true, source: name },
          externalClusters: [{ name, barmanObjectStore: source }],
        },
      });
    }
    this.replicaCluster = replicaCluster;
    this.apiObjects = [
      this.cluster,
      ...(this.scheduledBackup ? [this.scheduledBackup] : []),
      this.pooler,
      ...(this.database ? [this.database] : []),
      ...(this.replicaCluster ? [this.replicaCluster] : []),
    ];
  }
}

function objectStoreCredentials(secret: string | undefined): { s3Credentials: object } {
  return secret
    ? {
        s3Credentials: {
          accessKeyId: { name: secret, key: 'ACCESS_KEY_ID' },
          secretAccessKey: { name: secret, key: 'ACCESS_SECRET_KEY' },
        },
      }
    : { s3Credentials: { inheritFromIamRole: true } };
}
