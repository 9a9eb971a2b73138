/**
 * Backup buckets hold every tenant's data: they must be encrypted and never public.
 * Mandatory. A stack rule, because encryption and public-access blocks are separate
 * resources since AWS provider v4; they are matched to their bucket by bucket name.
 */
import { asArray, asObject } from './kubernetes.js';
import type { PolicyResource, StackFinding, StackRule } from './types.js';

const BUCKET = 'aws:s3/bucket:Bucket';
const SSE_TYPES = [
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2',
];
const PAB = 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock';
const ACL_TYPES = ['aws:s3/bucketAcl:BucketAcl', 'aws:s3/bucketAclV2:BucketAclV2'];
const PUBLIC_ACLS = ['public-read', 'public-read-write', 'authenticated-read'];
const BLOCK_FLAGS = ['blockPublicAcls', 'blockPublicPolicy', 'ignorePublicAcls', 'restrictPublicBuckets'] as const;

function bucketName(r: PolicyResource): string {
  const name = r.props['bucket'];
  return typeof name === 'string' ? name : r.name;
}

/** An SSE configuration with at least one rule that names an algorithm. */
function sseIsConfigured(config: unknown): boolean {
  return asArray(asObject(config)?.['rules'] ?? config).some((rule) => {
    const byDefault = asObject(asObject(rule)?.['applyServerSideEncryptionByDefault']);
    return typeof byDefault?.['sseAlgorithm'] === 'string';
  });
}

export const s3BucketsEncryptedAndPrivate: StackRule = {
  name: 's3-buckets-encrypted-and-private',
  description: 'Every S3 bucket has server-side encryption, a public access block with all four flags on, and no public ACL.',
  level: 'mandatory',
  check(resources) {
    const findings: StackFinding[] = [];
    const forBucket = (types: readonly string[], name: string) =>
      resources.filter((r) => types.includes(r.type) && r.props['bucket'] === name);
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const name = bucketName(bucket);
      const add = (message: string) => findings.push({ resource: bucket, message: `S3 bucket "${name}": ${message}` });
      const inlineSse = sseIsConfigured(bucket.props['serverSideEncryptionConfiguration']);
      if (!inlineSse && !forBucket(SSE_TYPES, name).some((c) => sseIsConfigured(c.props['rules']))) {
        add('has no server-side encryption; add a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms".');
      }
      const blocks = forBucket([PAB], name);
      if (!blocks.some((b) => BLOCK_FLAGS.every((flag) => b.props[flag] === true))) {
        add(`does not block public access; add a BucketPublicAccessBlock with ${BLOCK_FLAGS.join(', ')} set to true.`);
      }
      const acls = [bucket.props['acl'], ...forBucket(ACL_TYPES, name).map((a) => a.props['acl'])];
      for (const acl of acls) {
        if (typeof acl === 'string' && PUBLIC_ACLS.includes(acl)) {
          add(`has the public ACL "${acl}"; use "private".`);
        }
      }
    }
    return findings;
  },
};
