import { describe, expect, it } from 'vitest';
import { RedisCluster, type RedisClusterProps } from '../../constructs/index.js';
import { expectValid, one, synth } from './helpers.js';

const redis = (props: RedisClusterProps = {}) => synth((c) => new RedisCluster(c, 'r', props));

describe('RedisCluster', () => {
  it('synthesizes objects valid against the Kubernetes schema', async () => {
    await expectValid(redis());
  });

  it('keeps its shape', () => {
    expect(redis()).toMatchSnapshot();
  });

  it('runs 3 primaries + 3 replicas in cluster mode with AOF persistence on 5Gi volumes', () => {
    const objs = redis();
    const sts = one(objs, 'StatefulSet');
    expect(sts.metadata).toMatchObject({ name: 'debug-host-redis', namespace: 'debug-host' });
    expect(sts.spec.replicas).toBe(6);
    expect(sts.spec.serviceName).toBe('debug-host-redis-headless');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('redis:7.4.2');
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '1Gi' }, limits: { memory: '1Gi' } });
    const conf = one(objs, 'ConfigMap').data['redis.conf'];
    expect(conf).toContain('cluster-enabled yes');
    expect(conf).toContain('appendonly yes');
    const job = one(objs, 'Job').spec.template.spec.containers[0].command[2];
    expect(job).toContain('--cluster-replicas 1');
    expect(new Set(job.match(/debug-host-redis-\d\.debug-host-redis-headless/g)).size).toBe(6);
  });

  it('reads the password from a Secret and never puts it in the spec', () => {
    const objs = redis();
    const c = one(objs, 'StatefulSet').spec.template.spec.containers[0];
    expect(c.env[0]).toEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'debug-host-redis', key: 'password' } } });
    expect(one(objs, 'Job').spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name).toBe('debug-host-redis');
    const custom = one(redis({ passwordSecret: { name: 'x', key: 'y' } }), 'StatefulSet').spec.template.spec.containers[0];
    expect(custom.env[0].valueFrom.secretKeyRef).toEqual({ name: 'x', key: 'y' });
  });

  it('has a PDB, secure pods and services for clients and the cluster bus', () => {
    const objs = redis();
    expect(one(objs, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
    const pod = one(objs, 'StatefulSet').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(one(objs, 'Service', 'debug-host-redis-headless').spec.ports.map((p: { port: number }) => p.port)).toEqual([6379, 16379]);
    expect(one(objs, 'Service', 'debug-host-redis').spec.type).toBe('ClusterIP');
  });

  it('leaves the storage class to the cluster unless set', () => {
    expect(one(redis(), 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBeUndefined();
    expect(one(redis({ storageClass: 'gp3' }), 'StatefulSet').spec.volumeClaimTemplates[0].spec.storageClassName).toBe('gp3');
  });

  it('announces hostnames under the cluster DNS domain (cluster.local unless set)', () => {
    const start = (objs: ReturnType<typeof redis>) => one(objs, 'StatefulSet').spec.template.spec.containers[0].command[2] as string;
    expect(start(redis())).toContain('.svc.cluster.local"');
    expect(start(redis({ clusterDomain: 'corp.internal' }))).toContain('.svc.corp.internal"');
    expect(one(redis({ clusterDomain: 'corp.internal' }), 'Job').spec.template.spec.containers[0].command[2]).toContain('debug-host-redis-0.debug-host-redis-headless.debug-host.svc.corp.internal');
  });

  it('scales primaries and replicas', () => {
    const objs = redis({ primaries: 4, replicasPerPrimary: 2 });
    expect(one(objs, 'StatefulSet').spec.replicas).toBe(12);
    expect(one(objs, 'Job').spec.template.spec.containers[0].command[2]).toContain('--cluster-replicas 2');
  });

  it.each([
    [{ primaries: 2 }, /'primaries'.*integer from 3/],
    [{ replicasPerPrimary: -1 }, /'replicasPerPrimary'/],
    [{ image: 'redis:latest' }, /'image'.*not pinned/],
    [{ storageSize: '-1Gi' }, /'storageSize'/],
    [{ clusterDomain: 'Cluster.Local.' }, /'clusterDomain'/],
  ])('rejects %j', (props, message) => {
    expect(() => redis(props as RedisClusterProps)).toThrow(message);
  });
});
