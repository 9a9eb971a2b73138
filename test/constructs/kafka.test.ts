import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_TENANT_QUOTAS, DEFAULT_KAFKA_TOPICS, Kafka, type KafkaProps, tenantTopicPrefix } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const kafka = (props: KafkaProps = {}) => synth((c) => new Kafka(c, 'k', props));

describe('Kafka', () => {
  it('synthesizes Strimzi objects valid against the Strimzi 1.2 CRDs (kafka.strimzi.io/v1)', async () => {
    const objs = kafka({ tenants: ['acme', 'globex'] });
    for (const o of objs) expect(o.apiVersion).toBe('kafka.strimzi.io/v1');
    await expectValid(objs);
  });

  it('keeps its shape', () => {
    expect(kafka({ tenants: ['acme'] })).toMatchSnapshot();
  });

  it('runs KRaft with 3 controllers and 3 brokers in node pools, TLS auth and simple authorization', () => {
    const objs = kafka();
    const k = one(objs, 'Kafka');
    expect(k.metadata).toMatchObject({ name: 'debug-host-kafka', namespace: 'debug-host' });
    expect(k.spec.kafka.version).toBeUndefined(); // @default operator's latest
    expect(k.spec.kafka.listeners).toEqual([
      { name: 'tls', port: 9093, type: 'internal', tls: true, authentication: { type: 'tls' } },
      { name: 'runtime', port: 9092, type: 'internal', tls: false, networkPolicyPeers: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'debug-host' } } }] },
    ]);
    expect(k.spec.kafka.authorization).toEqual({ type: 'simple', superUsers: ['User:ANONYMOUS'] });
    expect(k.spec.kafka.config).toMatchObject({ 'min.insync.replicas': 2, 'default.replication.factor': 3, 'auto.create.topics.enable': false });
    expect(k.spec.zookeeper).toBeUndefined();
    const controller = one(objs, 'KafkaNodePool', 'controller');
    expect(controller.spec).toMatchObject({ replicas: 3, roles: ['controller'], storage: { type: 'persistent-claim', size: '10Gi', deleteClaim: false } });
    expect(controller.metadata.labels['strimzi.io/cluster']).toBe('debug-host-kafka');
    expect(one(objs, 'KafkaNodePool', 'broker').spec).toMatchObject({ replicas: 3, roles: ['broker'], storage: { size: '50Gi' } });
  });

  it('creates lifecycle, usage, audit, logs and scaling topics', () => {
    expect(DEFAULT_KAFKA_TOPICS.map((t) => t.name)).toEqual(['debug-host.lifecycle', 'debug-host.usage', 'debug-host.audit', 'debug-host.logs', 'debug-host.scaling']);
    const topics = all(kafka(), 'KafkaTopic');
    expect(topics.map((t) => t.spec.topicName)).toEqual(['debug-host.lifecycle', 'debug-host.usage', 'debug-host.audit', 'debug-host.logs', 'debug-host.scaling']);
    const audit = topics.find((t) => t.spec.topicName === 'debug-host.audit');
    expect(audit?.spec).toMatchObject({ partitions: 12, replicas: 3, config: { 'retention.ms': 365 * 86_400_000 } });
    // The leader writes decisions with one key: one partition keeps them in order.
    expect(topics.find((t) => t.spec.topicName === 'debug-host.scaling')?.spec).toMatchObject({ partitions: 1, config: { 'retention.ms': 7 * 86_400_000 } });
  });

  it('gives each tenant a KafkaUser with ACLs on its own prefix only, and quotas', () => {
    expect(tenantTopicPrefix('acme')).toBe('tenant.acme.');
    expect(DEFAULT_KAFKA_TENANT_QUOTAS).toEqual({ producerByteRate: 1_048_576, consumerByteRate: 2_097_152, requestPercentage: 25 });
    const objs = kafka({ tenants: ['acme', 'globex'] });
    const user = one(objs, 'KafkaUser', 'tenant-acme');
    expect(user.spec.authentication).toEqual({ type: 'tls' });
    expect(user.spec.authorization.acls).toEqual([
      { resource: { type: 'topic', name: 'tenant.acme.', patternType: 'prefix' }, operations: ['Read', 'Write', 'Describe'] },
      { resource: { type: 'group', name: 'tenant.acme.', patternType: 'prefix' }, operations: ['Read'] },
    ]);
    expect(user.spec.quotas).toEqual({ producerByteRate: 1_048_576, consumerByteRate: 2_097_152, requestPercentage: 25 });
    for (const u of all(objs, 'KafkaUser').filter((u) => u.metadata.name.startsWith('tenant-'))) {
      const tenant = u.metadata.labels['debug-host.io/tenant'];
      for (const acl of u.spec.authorization.acls) {
        expect(acl.resource.name.startsWith(`tenant.${tenant}.`), `${u.metadata.name} ACL ${acl.resource.name}`).toBe(true);
        expect(acl.operations).not.toContain('All');
      }
    }
    expect(one(objs, 'KafkaUser', 'debug-host-kafka-debug-host').spec.authentication).toEqual({ type: 'tls' });
  });

  it('defaults a custom topic to 12 partitions and 7 days, and leaves storage class to the cluster', () => {
    const objs = kafka({ topics: [{ name: 'debug-host.custom' }] });
    expect(one(objs, 'KafkaTopic').spec).toMatchObject({ topicName: 'debug-host.custom', partitions: 12, config: { 'retention.ms': 7 * 86_400_000 } });
    expect(one(objs, 'KafkaNodePool', 'broker').spec.storage.class).toBeUndefined();
    expect(one(kafka({ storageClass: 'gp3' }), 'KafkaNodePool', 'broker').spec.storage.class).toBe('gp3');
  });

  it('drops the runtime listener (and the anonymous super user) when asked, serving the runtime on TLS', () => {
    const objs = synth((c) => {
      const k = new Kafka(c, 'k', { runtimeListener: false });
      expect(k.bootstrapServers).toBe('debug-host-kafka-kafka-bootstrap.debug-host.svc:9093');
      expect(k.tlsBootstrapServers).toBe(k.bootstrapServers);
    });
    const k = one(objs, 'Kafka');
    expect(k.spec.kafka.listeners.map((l: { name: string }) => l.name)).toEqual(['tls']);
    expect(k.spec.kafka.authorization).toEqual({ type: 'simple' });
    synth((c) => expect(new Kafka(c, 'k').bootstrapServers).toBe('debug-host-kafka-kafka-bootstrap.debug-host.svc:9092'));
    const custom = one(kafka({ runtimePodSelector: { app: 'rt' } }), 'Kafka');
    expect(custom.spec.kafka.listeners[1].networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { app: 'rt' } } }]);
  });

  it('sizes replication to small clusters', () => {
    const k = one(kafka({ controllers: 1, brokers: 1 }), 'Kafka');
    expect(k.spec.kafka.config).toMatchObject({ 'default.replication.factor': 1, 'min.insync.replicas': 1 });
  });

  it.each([
    [{ controllers: 2 }, /'controllers'.*odd number/],
    [{ brokers: 0 }, /'brokers'/],
    [{ tenants: ['Acme'] }, /'tenants\[\]'/],
    [{ tenants: ['aaa', 'aaa'] }, /'tenants'.*more than once/],
    [{ topics: [{ name: 'tenant.x.events' }] }, /'topics\[\].name'.*tenant prefix/],
    [{ topics: [{ name: 'bad topic' }] }, /'topics\[\].name'.*not a valid topic name/],
    [{ tenantQuotas: { requestPercentage: 0 } }, /'tenantQuotas.requestPercentage'/],
    [{ brokerStorageSize: 'big' }, /'brokerStorageSize'/],
    [{ runtimePodSelector: {} }, /'runtimePodSelector'.*every pod/],
  ])('rejects %j', (props, message) => {
    expect(() => kafka(props as KafkaProps)).toThrow(message);
  });
});
