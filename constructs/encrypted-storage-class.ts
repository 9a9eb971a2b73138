/**
 * The encrypted StorageClass the data services (Postgres, Redis, Kafka) claim volumes from.
 * Declared with the platform where the cluster does not provide one; the Pulumi stacks
 * create their own (with the environment's KMS key) and leave this out.
 */
import { ApiObject } from 'cdk8s';
import { KubeStorageClass } from 'cdk8s-plus-28/lib/imports/k8s.js';
import { Construct } from 'constructs';
import { componentLabels } from './labels.js';

export interface EncryptedStorageClassProps {
  /** @default 'debug-host-data' */
  readonly name?: string;
  /** CSI provisioner. @default 'ebs.csi.aws.com' */
  readonly provisioner?: string;
  /** Provisioner parameters; `encrypted: "true"` is always added. @default { type: 'gp3' } */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Keep volumes when their claim is deleted (data outlives a mistaken delete). @default 'Retain' */
  readonly reclaimPolicy?: 'Retain' | 'Delete';
  /** @default true */
  readonly allowVolumeExpansion?: boolean;
}

export const DEFAULT_STORAGE_CLASS_NAME = 'debug-host-data';

export class EncryptedStorageClass extends Construct {
  readonly name: string;
  /** Escape hatch: the underlying object. */
  readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: EncryptedStorageClassProps = {}) {
    super(scope, id);
    if (props.parameters && 'encrypted' in props.parameters && props.parameters.encrypted !== 'true') {
      throw new Error(`EncryptedStorageClass: invalid prop 'parameters.encrypted': must be "true". Remove it; encryption is always on.`);
    }
    this.name = props.name ?? DEFAULT_STORAGE_CLASS_NAME;
    this.apiObject = new KubeStorageClass(this, 'Resource', {
      metadata: { name: this.name, labels: componentLabels('debug-host', 'storage') },
      provisioner: props.provisioner ?? 'ebs.csi.aws.com',
      parameters: { type: 'gp3', ...props.parameters, encrypted: 'true' },
      reclaimPolicy: props.reclaimPolicy ?? 'Retain',
      allowVolumeExpansion: props.allowVolumeExpansion ?? true,
      volumeBindingMode: 'WaitForFirstConsumer',
    });
  }
}
