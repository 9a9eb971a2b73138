import { describe, expect, it } from 'vitest';
import { synthPlatform, synthTenant } from '../../constructs/index.js';
import { checkManifests, manifestToResource, manifestType } from '../../policies/check-manifests.js';
import { ENVIRONMENTS } from '../../stacks/config.js';

describe('checkManifests (cdk8s output)', () => {
  it('maps manifests to the type tokens Pulumi uses', () => {
    expect(manifestType({ apiVersion: 'v1', kind: 'Namespace' })).toBe('kubernetes:core/v1:Namespace');
    expect(manifestType({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' })).toBe('kubernetes:postgresql.cnpg.io/v1:Cluster');
    expect(manifestToResource({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }).name).toBe('n/c');
  });

  it.each(ENVIRONMENTS)('the synthesized %s platform with two tenants has no mandatory violation', (environment) => {
    const manifests = synthPlatform(
      { environment, domain: `${environment}.example.com`, postgres: { storageClass: 'unchecked', ...(environment === 'dev' ? {} : { backupDestinationPath: 's3://b/pg' }) } },
      [{ name: 'acme' }, { name: 'globex' }],
    );
    const mandatory = checkManifests(manifests).filter((v) => v.level === 'mandatory' && v.policy !== 'database-storage-encrypted');
    expect(mandatory).toEqual([]);
  });

  it('reports a tenant whose default-deny policy was removed, and a prod platform without backups', () => {
    const tenant = synthTenant({ name: 'acme' }).filter((m) => m.metadata.name !== 'default-deny');
    expect(checkManifests(tenant).map((v) => v.message)).toContain(
      'Namespace tenant-acme: has no default-deny ingress NetworkPolicy; add one with an empty podSelector, policyTypes [Ingress] and no ingress rules.',
    );
    const prod = synthPlatform({ environment: 'prod', domain: 'example.com' });
    expect(checkManifests(prod).filter((v) => v.policy === 'backups-scheduled').map((v) => v.message)).toEqual([
      'Cluster debug-host/debug-host-pg: has no spec.backup in prod; configure an object-store backup target.',
      'Cluster debug-host/debug-host-pg: has no ScheduledBackup in prod; add one whose spec.cluster.name is "debug-host-pg".',
    ]);
  });

  it('refuses objects without apiVersion or kind', () => {
    expect(() => checkManifests([{ metadata: { name: 'x' } }])).toThrow('checkManifests: manifest #0 has no apiVersion or kind; pass Kubernetes objects such as cdk8s\'s chart.toJson() output.');
  });
});
