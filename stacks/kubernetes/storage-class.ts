/**
 * The encrypted StorageClass every data service (Postgres, Redis, Kafka) uses. Declared in the
 * stack, so the `database-storage-encrypted` policy can check the claim. Volumes are retained on
 * delete: a deleted claim must not take a database with it.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

export interface EncryptedStorageClassArgs {
  readonly name: string;
  /** CSI provisioner, e.g. `ebs.csi.aws.com`. */
  readonly provisioner: string;
  /** KMS key for the EBS CSI driver. @default - the provider's default key */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  readonly parent: pulumi.Resource;
  /** @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

export function encryptedStorageClass(args: EncryptedStorageClassArgs): k8s.storage.v1.StorageClass {
  const ebs = args.provisioner === 'ebs.csi.aws.com';
  return new k8s.storage.v1.StorageClass(args.name, {
    metadata: { name: args.name },
    provisioner: args.provisioner,
    parameters: {
      encrypted: 'true',
      ...(ebs ? { type: 'gp3' } : {}),
      ...(args.kmsKeyArn === undefined ? {} : { kmsKeyId: args.kmsKeyArn }),
    },
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  }, { parent: args.parent, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] });
}
