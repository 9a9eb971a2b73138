import { describe, expect, it } from 'vitest';
import { PostgresHA, type PostgresHAProps, tenantSchemaName } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const pg = (props: PostgresHAProps = {}) => synth((c) => new PostgresHA(c, 'pg', props));
const full: PostgresHAProps = {
  backupDestinationPath: 's3://backups/pg',
  backupCredentialsSecret: 'pg-s3',
  tenantSchemas: ['acme', 'big-co'],
  replica: { destinationPath: 's3://backups/pg' },
};

describe('PostgresHA', () => {
  it('synthesizes CNPG objects valid against the CloudNativePG 1.30 CRDs', async () => {
    await expectValid(pg());
    await expectValid(pg(full));
  });

  it('keeps its shape', () => {
    expect(pg(full)).toMatchSnapshot();
  });

  it('defaults to a 3-instance cluster with required anti-affinity, PDB and pod monitor', () => {
    const c = one(pg(), 'Cluster');
    expect(c.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(c.metadata).toMatchObject({ name: 'debug-host-pg', namespace: 'debug-host' });
    expect(c.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17.5',
      enablePDB: true,
      storage: { size: '20Gi' },
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      monitoring: { enablePodMonitor: true },
      bootstrap: { initdb: { database: 'debug_host', owner: 'debug_host' } },
    });
    expect(c.spec.storage.storageClass).toBeUndefined();
    expect(c.spec.backup).toBeUndefined(); // @default no backups
  });

  it('acknowledges a commit only once a standby has it (synchronous replication), none for one instance', () => {
    expect(one(pg(), 'Cluster').spec).toMatchObject({ minSyncReplicas: 1, maxSyncReplicas: 1 });
    expect(one(pg({ instances: 3, synchronousReplicas: 2 }), 'Cluster').spec).toMatchObject({ minSyncReplicas: 2, maxSyncReplicas: 2 });
    // One instance has no standby: asynchronous, CloudNativePG's 0 and 0.
    expect(one(pg({ instances: 1 }), 'Cluster').spec).toMatchObject({ minSyncReplicas: 0, maxSyncReplicas: 0 });
  });

  it('pools connections with PgBouncer in transaction mode (2 instances)', () => {
    const p = one(pg(), 'Pooler');
    expect(p.metadata.name).toBe('debug-host-pg-pooler-rw');
    expect(p.spec).toMatchObject({ cluster: { name: 'debug-host-pg' }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction' } });
  });

  it('backs up to the object store on a six-field cron, 30 days retention', () => {
    const objs = pg(full);
    const c = one(objs, 'Cluster', 'debug-host-pg');
    expect(c.spec.backup).toMatchObject({
      retentionPolicy: '30d',
      barmanObjectStore: { destinationPath: 's3://backups/pg', s3Credentials: { accessKeyId: { name: 'pg-s3', key: 'ACCESS_KEY_ID' } } },
    });
    const sb = one(objs, 'ScheduledBackup');
    expect(sb.spec).toMatchObject({ schedule: '0 0 3 * * *', cluster: { name: 'debug-host-pg' }, method: 'barmanObjectStore', backupOwnerReference: 'self' });
    expect(sb.spec.schedule.split(' ')).toHaveLength(6);
    expect(all(pg(), 'ScheduledBackup')).toHaveLength(0);
    expect(one(pg({ backupDestinationPath: 's3://b/p' }), 'Cluster').spec.backup.barmanObjectStore.s3Credentials).toEqual({ inheritFromIAMRole: true });
  });

  it('declares one schema per tenant in a CNPG Database, as the runtime names them', () => {
    expect(tenantSchemaName('big-co')).toBe('tenant_big_co');
    const db = one(pg(full), 'Database');
    expect(db.spec).toMatchObject({ name: 'debug_host', owner: 'debug_host', cluster: { name: 'debug-host-pg' }, ensure: 'present' });
    expect(db.spec.schemas).toEqual([
      { name: 'tenant_acme', owner: 'debug_host', ensure: 'present' },
      { name: 'tenant_big_co', owner: 'debug_host', ensure: 'present' },
    ]);
    expect(all(pg(), 'Database')).toHaveLength(0); // @default no tenants
    expect(all(pg({ ...full, declareTenantSchemas: false }), 'Database')).toHaveLength(0);
  });

  it('adds a replica cluster for another region that follows the primary through the object store', () => {
    const r = one(pg(full), 'Cluster', 'debug-host-pg-replica');
    expect(r.spec).toMatchObject({
      instances: 3,
      replica: { enabled: true, source: 'debug-host-pg' },
      bootstrap: { recovery: { source: 'debug-host-pg' } },
      externalClusters: [{ name: 'debug-host-pg', barmanObjectStore: { destinationPath: 's3://backups/pg', serverName: 'debug-host-pg' } }],
    });
    expect(all(pg(), 'Cluster')).toHaveLength(1);
    // @default credentials: the backup secret, else IAM roles for service accounts
    expect(r.spec.externalClusters[0].barmanObjectStore.s3Credentials.accessKeyId).toEqual({ name: 'pg-s3', key: 'ACCESS_KEY_ID' });
    const iam = one(pg({ backupDestinationPath: 's3://b/p', replica: { name: 'dr', destinationPath: 's3://b/p' } }), 'Cluster', 'dr');
    expect(iam.spec.externalClusters[0].barmanObjectStore.s3Credentials).toEqual({ inheritFromIAMRole: true });
  });

  it('exposes the escape hatches and the app secret', () => {
    synth((c) => {
      const p = new PostgresHA(c, 'pg', full);
      expect(p.appSecretName).toBe('debug-host-pg-app');
      expect(p.poolerHost).toBe('debug-host-pg-pooler-rw.debug-host.svc');
      expect(p.apiObjects).toHaveLength(5);
      expect(p.replicaCluster).toBeDefined();
    });
  });

  describe('rejects bad props with a message naming the prop and the fix', () => {
    it.each([
      [{ backupSchedule: '0 3 * * *', backupDestinationPath: 's3://b/p' }, /'backupSchedule'.*six fields.*seconds first/],
      [{ instances: 0 }, /'instances'/],
      [{ storageSize: '0' }, /'storageSize'/],
      [{ database: 'debug-host' }, /'database'.*identifier/],
      [{ replica: { destinationPath: 's3://b/p' } }, /'replica'.*Set backupDestinationPath/],
      [{ backupDestinationPath: '/local/path' }, /'backupDestinationPath'.*object-store URL/],
      [{ tenantSchemas: ['Bad'] }, /'tenantSchemas\[\]'/],
      [{ poolerInstances: 0 }, /'poolerInstances'/],
      [{ instances: 3, synchronousReplicas: 3 }, /'synchronousReplicas'.*from 0 to 2/],
    ])('%j', (props, message) => {
      expect(() => pg(props as PostgresHAProps)).toThrow(message);
    });
  });
});
