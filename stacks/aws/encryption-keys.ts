/**
 * Customer-managed KMS keys: one for EKS secret envelope encryption, one for data at rest
 * (backup bucket, EBS volumes). Rotation on; a 30-day deletion window guards against mistakes.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface EncryptionKeysArgs {
  readonly tags: Readonly<Record<string, string>>;
}

export class EncryptionKeys extends pulumi.ComponentResource {
  /** Envelope encryption of Kubernetes Secrets in etcd. */
  readonly clusterSecrets: aws.kms.Key;
  /** Backups in S3 and the Postgres/Kafka volumes. */
  readonly data: aws.kms.Key;

  constructor(name: string, args: EncryptionKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:EncryptionKeys', name, {}, opts);
    const key = (suffix: string, description: string) => {
      const k = new aws.kms.Key(`${name}-${suffix}`, { description, enableKeyRotation: true, deletionWindowInDays: 30, tags: args.tags }, { parent: this });
      new aws.kms.Alias(`${name}-${suffix}`, { name: `alias/${name}-${suffix}`, targetKeyId: k.keyId }, { parent: this });
      return k;
    };
    this.clusterSecrets = key('cluster-secrets', 'EKS secrets envelope encryption');
    this.data = key('data', 'Backups and volumes at rest');
    this.registerOutputs({ clusterSecretsArn: this.clusterSecrets.arn, dataArn: this.data.arn });
  }
}
