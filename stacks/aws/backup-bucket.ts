/**
 * The backup bucket: KMS-encrypted, versioned, public access blocked, TLS-only, with lifecycle
 * rules (old versions and incomplete uploads expire). Postgres writes under `postgres/`, each
 * tenant under `tenants/<name>/`.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { policyJson } from './iam.js';

export interface BackupBucketArgs {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days noncurrent versions are kept. */
  readonly retentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

export class BackupBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:aws:BackupBucket', name, {}, opts);
    const child = { parent: this };
    this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: false, tags: args.tags }, child);
    const bucket = this.bucket.bucket;
    new aws.s3.BucketVersioning(name, { bucket, versioningConfiguration: { status: 'Enabled' } }, child);
    new aws.s3.BucketServerSideEncryptionConfiguration(name, {
      bucket,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
    }, child);
    new aws.s3.BucketPublicAccessBlock(name, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child);
    new aws.s3.BucketLifecycleConfiguration(name, {
      bucket,
      rules: [
        { id: 'expire-noncurrent', status: 'Enabled', filter: {}, noncurrentVersionExpiration: { noncurrentDays: args.retentionDays } },
        { id: 'abort-incomplete-uploads', status: 'Enabled', filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
      ],
    }, child);
    new aws.s3.BucketPolicy(name, {
      bucket,
      policy: this.bucket.arn.apply((arn) =>
        policyJson([{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: [arn, `${arn}/*`], Condition: { Bool: { 'aws:SecureTransport': false } } }]),
      ),
    }, child);
    this.bucketName = bucket;
    this.arn = this.bucket.arn;
    this.kmsKeyArn = pulumi.output(args.kmsKeyArn);
    this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
  }
}
