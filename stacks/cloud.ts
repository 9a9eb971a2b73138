/**
 * The cloud side of an environment: for `cluster.mode: eks` everything AWS (network, keys,
 * EKS, Karpenter, backup bucket, workload roles); for `existing`, only a Kubernetes provider
 * for the given kubeconfig context, with no cloud call at all.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { BackupBucket } from './aws/backup-bucket.js';
import { EksCluster } from './aws/eks-cluster.js';
import { EncryptionKeys } from './aws/encryption-keys.js';
import { Karpenter } from './aws/karpenter.js';
import { Network } from './aws/network.js';
import { WorkloadRoles } from './aws/workload-roles.js';
import type { StackConfig } from './config.js';
import { PLATFORM_NAMESPACE } from './platform-manifests.js';
import type { BackupTarget } from './tenant-stack.js';

/** What the rest of the program needs from the cloud side. */
export interface Cloud {
  readonly provider: k8s.Provider;
  /** The AWS provider for `cluster.region` (eks mode): components below the root inherit it. */
  readonly awsProvider: aws.Provider | undefined;
  /** Secret kubeconfig when the stack made the cluster. */
  readonly kubeconfig: pulumi.Output<string> | undefined;
  readonly clusterName: pulumi.Output<string> | undefined;
  /** Ready nodes and add-ons: what the operators wait for. */
  readonly ready: readonly pulumi.Resource[];
  readonly storageProvisioner: string;
  /** @default - the provisioner's known encryption parameters */
  readonly storageParameters: Readonly<Record<string, string>> | undefined;
  readonly volumeKeyArn: pulumi.Output<string> | undefined;
  readonly backup: BackupTarget | undefined;
  /** `s3://.../postgres` for the CNPG object store. */
  readonly postgresBackupPath: string | undefined;
  /** IRSA roles to annotate the runtime and Postgres ServiceAccounts with. */
  readonly roles: { readonly runtime: pulumi.Output<string>; readonly postgresBackup: pulumi.Output<string>; readonly certManager: pulumi.Output<string> | undefined } | undefined;
}

export const RUNTIME_SERVICE_ACCOUNT = 'debug-host';
export const POSTGRES_CLUSTER = 'debug-host-pg';

export function createCloud(config: StackConfig): Cloud {
  const cluster = config.cluster;
  const prefix = `debug-host-${config.environment}`;
  if (cluster.mode === 'existing') {
    const provider = new k8s.Provider('kubernetes', { ...(cluster.context === undefined ? {} : { context: cluster.context }), enableServerSideApply: true });
    const base = cluster.backupDestinationPath?.replace(/\/+$/, '');
    return {
      provider,
      awsProvider: undefined,
      kubeconfig: undefined,
      clusterName: undefined,
      ready: [],
      storageProvisioner: cluster.storageProvisioner,
      storageParameters: cluster.storageParameters,
      volumeKeyArn: undefined,
      backup: base === undefined ? undefined : { kind: 'path', basePath: base },
      postgresBackupPath: base === undefined ? undefined : `${base}/postgres`,
      roles: undefined,
    };
  }
  const tags = { 'debug-host.io/environment': config.environment, 'app.kubernetes.io/managed-by': 'pulumi' };
  // The region comes from the stack config alone, not from aws:region or the shell's AWS_REGION.
  const awsProvider = new aws.Provider('aws', { region: cluster.region as aws.Region, defaultTags: { tags } });
  const inAws = { providers: [awsProvider] };
  const keys = new EncryptionKeys(prefix, { tags }, inAws);
  const network = new Network(prefix, { network: cluster.network, tags }, inAws);
  const eks = new EksCluster(prefix, { config: cluster, privateSubnetIds: network.privateSubnetIds, secretsKeyArn: keys.clusterSecrets.arn, tags }, inAws);
  const provider = new k8s.Provider('kubernetes', { kubeconfig: eks.kubeconfig, enableServerSideApply: true });
  const bucketName = cluster.backupBucket ?? `${prefix}-backups`;
  const bucket = new BackupBucket(`${prefix}-backups`, { bucketName, kmsKeyArn: keys.data.arn, retentionDays: cluster.backupRetentionDays, tags }, inAws);
  new Karpenter(`${prefix}-karpenter`, {
    config: cluster.karpenter,
    clusterName: eks.clusterName,
    oidc: eks.oidc,
    subnetIds: network.privateSubnetIds,
    securityGroupId: eks.clusterSecurityGroupId,
    volumeKeyArn: keys.data.arn,
    provider,
    tags,
    dependsOn: [eks.systemNodeGroup, ...eks.addons],
  }, inAws);
  const roles = new WorkloadRoles(`${prefix}-workloads`, {
    oidc: eks.oidc,
    bucketArn: bucket.arn,
    kmsKeyArn: keys.data.arn,
    namespace: PLATFORM_NAMESPACE,
    runtimeServiceAccount: RUNTIME_SERVICE_ACCOUNT,
    // CloudNativePG names the cluster's ServiceAccount after the Cluster.
    postgresServiceAccount: POSTGRES_CLUSTER,
    ...(config.tls.issuer === 'letsencrypt' ? { dnsZoneId: config.tls.route53HostedZoneId } : {}),
    tags,
  }, inAws);
  return {
    provider,
    awsProvider,
    kubeconfig: eks.kubeconfig,
    clusterName: eks.clusterName,
    ready: [eks.systemNodeGroup, ...eks.addons],
    storageProvisioner: 'ebs.csi.aws.com',
    storageParameters: undefined,
    volumeKeyArn: keys.data.arn,
    backup: { kind: 'bucket', bucketName: bucket.bucketName, kmsKeyArn: keys.data.arn },
    postgresBackupPath: `s3://${bucketName}/postgres`,
    roles: { runtime: roles.runtime.arn, postgresBackup: roles.postgresBackup.arn, certManager: roles.certManager?.arn },
  };
}
