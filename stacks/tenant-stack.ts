/**
 * Everything one tenant owns in one environment: its Kubernetes objects from the constructs
 * (namespace, quota, limits, network policies, roles, Kafka user, route, dashboard), its
 * PostgreSQL role and schema with grants on that schema only, and its backup prefix.
 * Nothing here is shared, so adding or removing a tenant touches only its TenantStack.
 */
import * as aws from '@pulumi/aws';
import type * as k8s from '@pulumi/kubernetes';
import * as postgresql from '@pulumi/postgresql';
import * as pulumi from '@pulumi/pulumi';
import { tenantSchemaName } from '@debug-host/constructs';
import { deriveSecret } from './secrets.js';
import { ManifestSet } from './kubernetes/manifest-set.js';
import type { Manifest } from './kubernetes/manifests.js';
import type { TenantDefinition } from './tenant-definition.js';

/** Where tenants' backups go: a bucket created by the stack, or an external object-store path. */
export type BackupTarget =
  | { readonly kind: 'bucket'; readonly bucketName: pulumi.Input<string>; readonly kmsKeyArn: pulumi.Input<string> }
  | { readonly kind: 'path'; readonly basePath: string };

export interface TenantStackArgs {
  readonly tenant: TenantDefinition;
  /** The tenant's objects from `splitPlatformManifests`. */
  readonly manifests: readonly Manifest[];
  readonly hostname: string;
  readonly kubernetes: k8s.Provider;
  readonly crdOwners: ReadonlyMap<string, pulumi.Resource>;
  /** @default - no role, schema or grants (`postgres.manageTenantRoles: false`) */
  readonly postgres?: postgresql.Provider;
  /** Database holding the tenant schemas. */
  readonly database: string;
  /** The runtime's role: owns the schemas (it runs their migrations) and may SET ROLE to the tenant. */
  readonly runtimeRole: string;
  /** Secret the tenant's login password is derived from. */
  readonly passwordSeed: string;
  /** @default - no backups for this tenant */
  readonly backup?: BackupTarget;
  /** What the tenant's objects wait for (the platform). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** Table privileges of a tenant role in its own schema: data, never DDL. */
export const TENANT_TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
export const TENANT_SEQUENCE_PRIVILEGES = ['USAGE', 'SELECT'] as const;


export class TenantStack extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly schemaName: string;
  readonly roleName: string;
  readonly endpoint: string;
  /** `s3://<bucket>/tenants/<name>/`, or undefined without backups. */
  readonly backupPrefix: pulumi.Output<string | undefined>;

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:platform:TenantStack', name, {}, opts);
    const t = args.tenant;
    this.namespace = `tenant-${t.name}`;
    this.schemaName = tenantSchemaName(t.name);
    this.roleName = this.schemaName;
    this.endpoint = `https://${args.hostname}/mcp`;

    new ManifestSet(`${name}-k8s`, {
      objs: args.manifests,
      provider: args.kubernetes,
      crdOwners: args.crdOwners,
      dependsOn: args.dependsOn ?? [],
      patches: [
        (obj) => {
          if (obj.kind !== 'Namespace') return;
          const meta = obj.metadata as { annotations?: Record<string, string> };
          meta.annotations = { ...meta.annotations, 'debug-host.io/owners': t.owners.join(',') };
        },
      ],
    }, { parent: this });

    if (args.postgres !== undefined) this.databaseObjects(name, args.postgres, args);

    const backup = args.backup;
    if (backup?.kind === 'bucket') {
      const key = `tenants/${t.name}/`;
      // An empty object marks the prefix so it exists (and is listed) before the first backup.
      new aws.s3.BucketObjectv2(`${name}-backup-prefix`, { bucket: backup.bucketName, key, content: '', serverSideEncryption: 'aws:kms', kmsKeyId: backup.kmsKeyArn }, { parent: this });
      this.backupPrefix = pulumi.interpolate`s3://${backup.bucketName}/${key}`;
    } else if (backup?.kind === 'path') {
      this.backupPrefix = pulumi.output(`${backup.basePath.replace(/\/+$/, '')}/tenants/${t.name}/`);
    } else {
      this.backupPrefix = pulumi.output(undefined);
    }
    this.registerOutputs({ endpoint: this.endpoint, schema: this.schemaName, backupPrefix: this.backupPrefix });
  }

  /** The tenant's role, its schema and grants on that schema only. */
  private databaseObjects(name: string, provider: postgresql.Provider, args: TenantStackArgs): void {
    const t = args.tenant;
    const pg = { parent: this, provider };
    const role = new postgresql.Role(`${name}-role`, {
      name: this.roleName,
      login: true,
      password: pulumi.secret(deriveSecret(args.passwordSeed, `postgres:${t.name}`)),
      inherit: false,
      createDatabase: false,
      createRole: false,
      connectionLimit: 20,
    }, pg);
    const schema = new postgresql.Schema(`${name}-schema`, { name: this.schemaName, database: args.database, owner: args.runtimeRole, dropCascade: false }, pg);
    const onSchema = { ...pg, dependsOn: [role, schema] };
    const grant = (suffix: string, objectType: string, privileges: readonly string[], inSchema: boolean) =>
      new postgresql.Grant(`${name}-${suffix}`, {
        database: args.database,
        role: role.name,
        objectType,
        privileges: [...privileges],
        ...(inSchema ? { schema: schema.name, objects: [] } : {}),
      }, onSchema);
    grant('connect', 'database', ['CONNECT'], false);
    grant('usage', 'schema', ['USAGE'], true);
    grant('tables', 'table', TENANT_TABLE_PRIVILEGES, true);
    grant('sequences', 'sequence', TENANT_SEQUENCE_PRIVILEGES, true);
    // Tables the runtime creates later (migrations) are covered too.
    new postgresql.DefaultPrivileges(`${name}-default-tables`, { database: args.database, owner: args.runtimeRole, role: role.name, schema: schema.name, objectType: 'table', privileges: [...TENANT_TABLE_PRIVILEGES] }, onSchema);
    new postgresql.DefaultPrivileges(`${name}-default-sequences`, { database: args.database, owner: args.runtimeRole, role: role.name, schema: schema.name, objectType: 'sequence', privileges: [...TENANT_SEQUENCE_PRIVILEGES] }, onSchema);
    // The runtime switches into the tenant role (SET LOCAL ROLE) for tenant-scoped queries.
    new postgresql.GrantRole(`${name}-runtime-member`, { role: args.runtimeRole, grantRole: role.name }, { ...pg, dependsOn: [role] });
  }
}
