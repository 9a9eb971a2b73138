import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

/** A replica cluster in another region for disaster recovery (CNPG replica cluster from object-store backups). */
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
  /** PVC size per instance. @default '20Gi' */
  readonly storageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Postgres image. @default 'ghcr.io/cloudnative-pg/postgresql:17.5' */
  readonly imageName?: string;
  /** Database and owner created at bootstrap. @default 'debug_host' */
  readonly database?: string;
  /** Object-store path for WAL archive and base backups. @default - no backups (dev) */
  readonly backupDestinationPath?: string;
  /** Six-field cron (seconds first) of the ScheduledBackup. @default '0 0 3 * * *' */
  readonly backupSchedule?: string;
  /** @default '30d' */
  readonly backupRetention?: string;
  /** PgBouncer instances of the Pooler. @default 2 */
  readonly poolerInstances?: number;
  /** Tenant ids: one schema `tenant_<id>` each, declared in a CNPG `Database`. @default [] */
  readonly tenantSchemas?: readonly string[];
  /** Replica cluster in another region. @default - none */
  readonly replica?: PostgresReplicaProps;
}

/** CloudNativePG Cluster, ScheduledBackup, Pooler and Database. (Being filled in.) */
export class PostgresHA extends Construct {
  readonly name: string;
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, props: PostgresHAProps = {}) {
    super(scope, id);
    this.name = props.name ?? 'debug-host-pg';
  }
}
