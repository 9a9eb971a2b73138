import { describe, expect, it } from 'vitest';
import { backupsScheduled, prodRedundancy } from '../../policies/rules/environment-rules.js';
import { s3BucketsEncryptedAndPrivate } from '../../policies/rules/s3-buckets.js';
import { databaseStorageEncrypted } from '../../policies/rules/storage-encryption.js';
import { tenantNamespaceIsolation } from '../../policies/rules/tenant-isolation.js';
import type { PolicyResource, StackRule } from '../../policies/rules/types.js';
import { awsResource, fencedTenant, k8sResource } from './fixtures.js';

const messages = (rule: StackRule, resources: PolicyResource[], environment?: string) =>
  rule.check(resources, environment === undefined ? {} : { environment }).map((f) => f.message);

describe('tenant-namespace-isolation', () => {
  it('is quiet when the namespace has quota, limits and default-deny both ways', () => {
    expect(messages(tenantNamespaceIsolation, fencedTenant('acme'))).toEqual([]);
  });

  it('names each missing fence', () => {
    expect(messages(tenantNamespaceIsolation, fencedTenant('acme', ['ResourceQuota', 'LimitRange', 'NetworkPolicy']))).toEqual([
      'Namespace tenant-acme: has no ResourceQuota; add one (the Tenant construct creates "tenant-quota").',
      'Namespace tenant-acme: has no LimitRange; add one (the Tenant construct creates "tenant-limits").',
      'Namespace tenant-acme: has no default-deny ingress NetworkPolicy; add one with an empty podSelector, policyTypes [Ingress] and no ingress rules.',
      'Namespace tenant-acme: has no default-deny egress NetworkPolicy; add one with an empty podSelector, policyTypes [Egress] and no egress rules.',
    ]);
  });

  it('does not count a policy that allows traffic as default-deny', () => {
    const ns = fencedTenant('acme', ['NetworkPolicy']);
    const allowAll = k8sResource({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'open', namespace: 'tenant-acme' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] } });
    expect(messages(tenantNamespaceIsolation, [...ns, allowAll])).toHaveLength(2);
  });

  it('ignores non-tenant namespaces', () => {
    expect(messages(tenantNamespaceIsolation, [k8sResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'debug-host' } })])).toEqual([]);
  });
});

describe('s3-buckets-encrypted-and-private', () => {
  const bucket = awsResource('aws:s3/bucket:Bucket', 'backups', { bucket: 'dh-backups' });
  const sse = awsResource('aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration', 'backups', { bucket: 'dh-backups', rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' } }] });
  const pab = awsResource('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'backups', { bucket: 'dh-backups', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });

  it('is quiet with encryption and a full public access block', () => {
    expect(messages(s3BucketsEncryptedAndPrivate, [bucket, sse, pab])).toEqual([]);
  });

  it('fires on a bare bucket, a partial block and a public ACL', () => {
    const partial = awsResource(pab.type, 'backups', { ...pab.props, restrictPublicBuckets: false });
    const acl = awsResource('aws:s3/bucketAcl:BucketAcl', 'backups', { bucket: 'dh-backups', acl: 'public-read' });
    expect(messages(s3BucketsEncryptedAndPrivate, [bucket, partial, acl])).toEqual([
      'S3 bucket "dh-backups": has no server-side encryption; add a BucketServerSideEncryptionConfiguration with sseAlgorithm "aws:kms".',
      'S3 bucket "dh-backups": does not block public access; add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets set to true.',
      'S3 bucket "dh-backups": has the public ACL "public-read"; use "private".',
    ]);
  });

  it('does not credit another bucket\'s encryption', () => {
    const other = awsResource('aws:s3/bucket:Bucket', 'other', { bucket: 'other' });
    expect(messages(s3BucketsEncryptedAndPrivate, [bucket, sse, pab, other])).toHaveLength(2);
  });
});

describe('database-storage-encrypted', () => {
  const storageClass = (encrypted: string) => k8sResource({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'enc' }, provisioner: 'ebs.csi.aws.com', parameters: { encrypted } });
  const cluster = (storage: Record<string, unknown>) => k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'debug-host' }, spec: { instances: 3, storage } });

  it('is quiet for a CNPG cluster on an encrypted StorageClass of the stack and an encrypted RDS instance', () => {
    const rds = awsResource('aws:rds/instance:Instance', 'db', { storageEncrypted: true });
    expect(messages(databaseStorageEncrypted, [storageClass('true'), cluster({ size: '1Gi', storageClass: 'enc' }), rds])).toEqual([]);
  });

  it('fires on unencrypted, undeclared and unset storage classes and on unencrypted RDS', () => {
    expect(messages(databaseStorageEncrypted, [storageClass('false'), cluster({ storageClass: 'enc' })])).toEqual([
      'Cluster debug-host/pg: StorageClass "enc" (spec.storage) is not encrypted; set parameters.encrypted to "true".',
    ]);
    expect(messages(databaseStorageEncrypted, [cluster({ storageClass: 'gp2' })])).toEqual([
      'Cluster debug-host/pg: StorageClass "gp2" (spec.storage) is not declared in this stack, so its encryption cannot be checked; declare it with parameters.encrypted "true".',
    ]);
    expect(messages(databaseStorageEncrypted, [cluster({ size: '1Gi' })])).toEqual([
      'Cluster debug-host/pg: spec.storage.storageClass is not set, so the cluster default (of unknown encryption) is used; set it to an encrypted StorageClass.',
    ]);
    expect(messages(databaseStorageEncrypted, [awsResource('aws:rds/cluster:Cluster', 'aurora', {})])).toEqual([
      'RDS cluster "aurora": storage is not encrypted; set storageEncrypted to true.',
    ]);
  });
});

describe('backups-scheduled', () => {
  const cluster = (backup: boolean) =>
    k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'debug-host' }, spec: { instances: 3, ...(backup ? { backup: { barmanObjectStore: { destinationPath: 's3://b/p' } } } : {}) } });
  const schedule = k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'pg-daily', namespace: 'debug-host' }, spec: { schedule: '0 0 3 * * *', cluster: { name: 'pg' } } });

  it('requires a backup target and a ScheduledBackup in staging and prod', () => {
    expect(messages(backupsScheduled, [cluster(false)], 'prod')).toEqual([
      'Cluster debug-host/pg: has no spec.backup in prod; configure an object-store backup target.',
      'Cluster debug-host/pg: has no ScheduledBackup in prod; add one whose spec.cluster.name is "pg".',
    ]);
    expect(messages(backupsScheduled, [cluster(true), schedule], 'staging')).toEqual([]);
  });

  it('exempts replica clusters, which follow the primary\'s backups', () => {
    const replica = k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg-replica', namespace: 'debug-host' }, spec: { instances: 3, replica: { enabled: true, source: 'pg' } } });
    expect(messages(backupsScheduled, [cluster(true), schedule, replica], 'prod')).toEqual([]);
  });

  it('exempts dev, and reads the environment from the label when no context is given', () => {
    expect(messages(backupsScheduled, [cluster(false)], 'dev')).toEqual([]);
    const labelled = k8sResource({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'debug-host', labels: { 'debug-host.io/environment': 'staging' } } });
    expect(messages(backupsScheduled, [labelled, cluster(false)])).toHaveLength(2);
  });
});

describe('prod-redundancy', () => {
  const runtime = (replicas: number) => k8sResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'debug-host', namespace: 'debug-host', labels: { 'app.kubernetes.io/name': 'debug-host' } }, spec: { replicas } });
  const hpa = (minReplicas: number) => k8sResource({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'debug-host', namespace: 'debug-host' }, spec: { minReplicas, maxReplicas: 10, scaleTargetRef: { kind: 'Deployment', name: 'debug-host', apiVersion: 'apps/v1' } } });
  const pg = (instances: number) => k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'debug-host' }, spec: { instances } });

  it('fires in prod below 3 runtime replicas (HPA floor wins) and 3 Postgres instances', () => {
    expect(messages(prodRedundancy, [runtime(5), hpa(2), pg(1)], 'prod')).toEqual([
      'Deployment debug-host/debug-host: prod guarantees 2 runtime replica(s); set replicas (or the HPA\'s minReplicas) to at least 3.',
      'Cluster debug-host/pg: prod runs 1 Postgres instance(s); set spec.instances to at least 3.',
    ]);
  });

  it('is quiet in prod at 3 and in other environments below it', () => {
    expect(messages(prodRedundancy, [runtime(1), hpa(3), pg(3)], 'prod')).toEqual([]);
    expect(messages(prodRedundancy, [runtime(1), pg(1)], 'staging')).toEqual([]);
  });
});
