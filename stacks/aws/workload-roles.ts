/**
 * IAM roles for the workloads, through IRSA: the runtime (log exports under each tenant's
 * prefix) and the Postgres cluster (WAL archive and base backups under `postgres/`).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson, serviceAccountRole, type OidcIdentity } from './iam.js';

export interface WorkloadRolesArgs {
  readonly oidc: OidcIdentity;
  readonly bucketArn: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Namespace of the runtime and Postgres. */
  readonly namespace: string;
  /** ServiceAccount of the runtime. */
  readonly runtimeServiceAccount: string;
  /** ServiceAccount CloudNativePG gives the cluster's pods (the Cluster's name). */
  readonly postgresServiceAccount: string;
  /** Route53 zone cert-manager may answer DNS01 challenges in. @default - no cert-manager role */
  readonly dnsZoneId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Where the cert-manager chart runs its controller. */
export const CERT_MANAGER_NAMESPACE = 'cert-manager';
export const CERT_MANAGER_SERVICE_ACCOUNT = 'cert-manager';

export class WorkloadRoles extends pulumi.ComponentResource {
  readonly runtime: aws.iam.Role;
  readonly postgresBackup: aws.iam.Role;
  /** DNS01 through Route53 for the wildcard certificate. */
  readonly certManager: aws.iam.Role | undefined;

  constructor(name: string, args: WorkloadRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:WorkloadRoles', name, {}, opts);
    const child = { parent: this };
    const s3Policy = (prefix: string) =>
      pulumi.all([args.bucketArn, args.kmsKeyArn]).apply(([bucket, key]) =>
        policyJson([
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: `${bucket}/${prefix}*` },
          { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: bucket, Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } } },
          { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'], Resource: key },
        ]),
      );
    this.runtime = serviceAccountRole(`${name}-runtime`, args.oidc, args.namespace, args.runtimeServiceAccount, args.tags, child);
    new aws.iam.RolePolicy(`${name}-runtime`, { role: this.runtime.name, policy: s3Policy('tenants/') }, child);
    this.postgresBackup = serviceAccountRole(`${name}-postgres-backup`, args.oidc, args.namespace, args.postgresServiceAccount, args.tags, child);
    new aws.iam.RolePolicy(`${name}-postgres-backup`, { role: this.postgresBackup.name, policy: s3Policy('postgres/') }, child);
    const zone = args.dnsZoneId;
    this.certManager = zone === undefined ? undefined : serviceAccountRole(`${name}-cert-manager`, args.oidc, CERT_MANAGER_NAMESPACE, CERT_MANAGER_SERVICE_ACCOUNT, args.tags, child);
    if (this.certManager !== undefined && zone !== undefined) {
      new aws.iam.RolePolicy(`${name}-cert-manager`, {
        role: this.certManager.name,
        policy: policyJson([
          { Effect: 'Allow', Action: ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets'], Resource: `arn:aws:route53:::hostedzone/${zone}` },
          { Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
          { Effect: 'Allow', Action: 'route53:ListHostedZonesByName', Resource: '*' },
        ]),
      }, child);
    }
    this.registerOutputs({ runtimeRoleArn: this.runtime.arn, postgresBackupRoleArn: this.postgresBackup.arn });
  }
}
