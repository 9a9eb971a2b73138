/**
 * The StorageClass every data service (Postgres, Redis, Kafka) uses, declared in the stack so
 * the `database-storage-encrypted` policy can check it. Encryption parameters are set only for
 * provisioners known to honour them (or given explicitly), so the class never claims an
 * encryption it does not have. Volumes are retained on delete: a deleted claim must not take a
 * database with it.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

/** Parameters that make each known provisioner encrypt at rest. */
export const ENCRYPTING_PARAMETERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'ebs.csi.aws.com': { type: 'gp3', encrypted: 'true' },
};

export interface DataStorageClassArgs {
  readonly name: string;
  /** CSI provisioner, e.g. `ebs.csi.aws.com`. */
  readonly provisioner: string;
  /** Parameters for the provisioner. @default - ENCRYPTING_PARAMETERS of the provisioner, else none */
  readonly parameters?: Readonly<Record<string, string>>;
  /** KMS key (EBS CSI `kmsKeyId`). @default - the provider's default key */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly provider: k8s.Provider;
  readonly parent: pulumi.Resource;
  /** @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

export function dataStorageClass(args: DataStorageClassArgs): k8s.storage.v1.StorageClass {
  return new k8s.storage.v1.StorageClass(args.name, {
    metadata: { name: args.name },
    provisioner: args.provisioner,
    parameters: {
      ...(args.parameters ?? ENCRYPTING_PARAMETERS[args.provisioner] ?? {}),
      ...(args.kmsKeyArn === undefined ? {} : { kmsKeyId: args.kmsKeyArn }),
    },
    reclaimPolicy: 'Retain',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowVolumeExpansion: true,
  }, { parent: args.parent, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] });
}
