import { describe, expect, it } from 'vitest';
import { TENANT_LABEL } from '../../constructs/index.js';
import { parseStackConfig } from '../../stacks/config.js';
import { manifestKey } from '../../stacks/kubernetes/manifests.js';
import { platformConfigFor, splitPlatformManifests } from '../../stacks/platform-manifests.js';

const config = parseStackConfig({ domain: 'example.com', cluster: { mode: 'existing' }, postgres: { host: 'pg' }, postgresPassword: 'p', secretSeed: 's'.repeat(16) }, 'prod');
const labels = (m: { metadata: Record<string, unknown> }) => (m.metadata['labels'] ?? {}) as Record<string, string>;

describe('splitPlatformManifests', () => {
  const split = splitPlatformManifests(platformConfigFor(config, 's3://b/postgres', 'letsencrypt'), [{ name: 'acme' }, { name: 'globex' }]);

  it('gives each tenant exactly the objects labelled with it, and the platform none of them', () => {
    for (const [tenant, objs] of split.tenants) {
      expect(objs.length).toBeGreaterThan(10);
      expect(objs.filter((m) => labels(m)[TENANT_LABEL] !== tenant).map(manifestKey)).toEqual([]);
    }
    expect(split.shared.filter((m) => labels(m)[TENANT_LABEL] !== undefined).map(manifestKey)).toEqual([]);
  });

  it('finds no shared object whose content depends on the tenant list', () => {
    expect(split.tenantDependentShared).toEqual([]);
  });

  it('leaves tenant schemas to the TenantStacks (no CNPG Database) and uses the stack\'s StorageClass and issuer', () => {
    expect(split.shared.filter((m) => m.kind === 'Database')).toEqual([]);
    const cluster = split.shared.find((m) => m.kind === 'Cluster') as { spec: { storage: { storageClass: string } } } | undefined;
    expect(cluster?.spec.storage.storageClass).toBe('debug-host-data');
    const cert = split.shared.find((m) => m.kind === 'Certificate') as { spec: { issuerRef: { name: string } } } | undefined;
    expect(cert?.spec.issuerRef.name).toBe('letsencrypt');
  });
});
