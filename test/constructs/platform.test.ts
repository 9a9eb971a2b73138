import { describe, expect, it } from 'vitest';
import { DebugHostPlatform, type DebugHostPlatformConfig, ENVIRONMENTS, synthPlatform, synthTenant } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const base: DebugHostPlatformConfig = { environment: 'dev', domain: 'example.com', tenants: [{ name: 'acme' }, { name: 'globex' }] };
const platform = (config: Partial<DebugHostPlatformConfig> = {}) => synth((c) => new DebugHostPlatform(c, 'p', { ...base, ...config }));
const envOf = (objs: ReturnType<typeof platform>) =>
  Object.fromEntries(one(objs, 'Deployment', 'debug-host').spec.template.spec.containers[0].env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));

describe('DebugHostPlatform', () => {
  it('composes every part, and every object validates', async () => {
    const objs = platform();
    await expectValid(objs);
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['Namespace', 'Deployment', 'HorizontalPodAutoscaler', 'Cluster', 'Pooler', 'StatefulSet', 'Kafka', 'KafkaNodePool', 'KafkaTopic', 'KafkaUser', 'Gateway', 'HTTPRoute', 'Certificate', 'BackendTrafficPolicy', 'PrometheusRule', 'ServiceMonitor', 'ResourceQuota', 'NetworkPolicy']) {
      expect(kinds, k).toContain(k);
    }
  });

  it('keeps its shape', () => {
    expect(platform()).toMatchSnapshot();
  });

  it('puts the platform in namespace debug-host (baseline enforced, restricted warned) and labels every object with the environment', () => {
    const objs = platform();
    const ns = one(objs, 'Namespace', 'debug-host');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted' });
    for (const o of objs) {
      expect(o.metadata.labels?.['debug-host.io/environment'], `${o.kind}/${o.metadata.name}`).toBe('dev');
      if (o.kind !== 'Namespace' && !o.metadata.namespace?.startsWith('tenant-')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('debug-host');
    }
    const custom = platform({ namespace: 'dh', createNamespace: false });
    expect(all(custom, 'Namespace').map((n) => n.metadata.name)).toEqual(['tenant-acme', 'tenant-globex']);
    expect(all(custom, 'NetworkPolicy', 'allow-from-debug-host').map((p) => p.metadata.namespace)).toEqual(['tenant-acme', 'tenant-globex']);
    expect(all(custom, 'NetworkPolicy').every((p) => p.spec.ingress === undefined || p.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] === 'dh')).toBe(true);
  });

  it('wires the runtime to Postgres (CNPG app secret), Redis cluster (password secret) and Kafka (runtime listener)', () => {
    const env = envOf(platform());
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { name: 'debug-host-pg-app', key: 'uri' } });
    expect(env.DEBUG_HOST_REDIS_PASSWORD).toEqual({ secretKeyRef: { name: 'debug-host-redis', key: 'password' } });
    expect(env.DEBUG_HOST_REDIS_URL).toBe('redis://:$(DEBUG_HOST_REDIS_PASSWORD)@debug-host-redis.debug-host.svc:6379');
    expect(env.DEBUG_HOST_REDIS_CLUSTER).toBe('true');
    expect(env.DEBUG_HOST_KAFKA_BROKERS).toBe('debug-host-kafka-kafka-bootstrap.debug-host.svc:9092');
    const renamed = platform({ debugHost: { name: 'runtime' } });
    expect(one(renamed, 'Kafka').spec.kafka.listeners[1].networkPolicyPeers).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'runtime' } } }]);
    expect(all(renamed, 'RoleBinding', 'debug-host-runtime')[0]?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'runtime', namespace: 'debug-host' }]);
    expect(one(renamed, 'HTTPRoute', 'tenant-acme').spec.rules[0].backendRefs[0].name).toBe('runtime');
    const bare = envOf(platform({ postgres: false, redis: false, kafka: false, debugHost: { databaseUrlSecret: { name: 'ext-db', key: 'url' } } }));
    expect(bare.DATABASE_URL).toEqual({ secretKeyRef: { name: 'ext-db', key: 'url' } });
    expect(bare.DEBUG_HOST_REDIS_URL).toBeUndefined();
    expect(bare.DEBUG_HOST_KAFKA_BROKERS).toBeUndefined();
  });

  it('sends the runtime\'s traces to the collector its Observability declares, and none without one', () => {
    expect(envOf(platform()).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://debug-host-otel-collector.debug-host.svc:4318');
    expect(envOf(platform({ observability: { name: 'mon' } })).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://mon-otel-collector.debug-host.svc:4318');
    expect(envOf(platform({ observability: false })).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(envOf(platform({ observability: { otelCollector: false } })).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('declares the collector the runtime sends to: its Service answers OTLP/HTTP on the endpoint\'s port and selects the collector\'s pods', () => {
    const objs = platform();
    const url = new URL(envOf(objs).OTEL_EXPORTER_OTLP_ENDPOINT);
    const [serviceName, namespace] = url.hostname.split('.');
    const service = one(objs, 'Service', serviceName);
    expect(service.metadata.namespace).toBe(namespace);
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ port: Number(url.port), targetPort: Number(url.port) }));
    const collector = one(objs, 'Deployment', serviceName);
    expect(collector.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(collector.spec.template.spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort)).toContain(Number(url.port));
    expect(envOf(objs).OTEL_RESOURCE_ATTRIBUTES).toBe('k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(DEBUG_HOST_NAMESPACE)');
    expect(all(platform({ observability: { otelCollector: false } }), 'Deployment').map((d) => d.metadata.name)).toEqual(['debug-host']);
  });

  it('fans the tenant list out to hosts, Kafka users, schemas, dashboards and namespaces', () => {
    const objs = platform();
    expect(all(objs, 'HTTPRoute').flatMap((r) => r.spec.hostnames)).toEqual(['*.example.com', 'acme.example.com', 'globex.example.com']);
    expect(all(objs, 'KafkaUser').map((u) => u.metadata.name)).toContain('tenant-globex');
    expect(one(objs, 'Database').spec.schemas.map((s: { name: string }) => s.name)).toEqual(['tenant_acme', 'tenant_globex']);
    expect(all(objs, 'ConfigMap').map((c) => c.metadata.name)).toContain('debug-host-dashboard-tenant-acme');
    expect(all(objs, 'Namespace').map((n) => n.metadata.name)).toEqual(['debug-host', 'tenant-acme', 'tenant-globex']);
  });

  it('leaves tenant namespaces to per-tenant stacks when tenantNamespaces is false', () => {
    const objs = platform({ tenantNamespaces: false });
    expect(all(objs, 'Namespace').map((n) => n.metadata.name)).toEqual(['debug-host']);
    expect(all(objs, 'HTTPRoute')).toHaveLength(3);
  });

  it('leaves out the parts set to false', () => {
    const objs = platform({ postgres: false, redis: false, kafka: false, gateway: false, observability: false });
    expect([...new Set(objs.map((o) => o.kind))].sort()).toEqual(
      ['Deployment', 'HorizontalPodAutoscaler', 'LimitRange', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'ResourceQuota', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'ServiceMonitor'].sort(),
    );
  });

  it('exposes its parts and every ApiObject', () => {
    synth((c) => {
      const p = new DebugHostPlatform(c, 'p', base);
      expect(p.tenants.map((t) => t.namespaceName)).toEqual(['tenant-acme', 'tenant-globex']);
      expect(p.tenants.map((t) => t.hostname)).toEqual(['acme.example.com', 'globex.example.com']);
      expect(p.postgres?.name).toBe('debug-host-pg');
      expect(p.apiObjects.length).toBeGreaterThan(50);
    });
  });

  describe('synthPlatform / synthTenant', () => {
    it('returns plain manifests, with extra tenants appended', () => {
      const objs = synthPlatform({ environment: 'staging', domain: 'example.com' }, [{ name: 'acme' }]);
      expect(JSON.parse(JSON.stringify(objs))).toEqual(objs);
      expect(all(objs, 'Namespace').map((n) => n.metadata.name)).toEqual(['debug-host', 'tenant-acme']);
      expect(synthPlatform(ENVIRONMENTS.prod).length).toBeGreaterThan(70);
    });
    it('returns one tenant alone', async () => {
      const objs = synthTenant({ name: 'acme' });
      expect(objs.map((o) => o.kind)).toEqual(['Namespace', 'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'NetworkPolicy', 'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'Role', 'RoleBinding']);
      await expectValid(objs);
    });
  });

  describe('rejects bad config with a message naming the prop and the fix', () => {
    it.each([
      [{ environment: 'Prod' }, /DebugHostPlatform: invalid prop 'environment'/],
      [{ domain: 'example.com/' }, /'domain'/],
      [{ namespace: 'tenant-platform' }, /'namespace'.*reserved for tenants/],
      [{ tenants: [{ name: 'acme' }, { name: 'acme' }] }, /'tenants\[\].name'.*"acme" appears more than once/],
      [{ tenants: [{ name: 'aaa', hostname: 'x.example.com' }, { name: 'bbb', hostname: 'x.example.com' }] }, /'tenants\[\].hostname'.*more than once/],
      [{ tenants: [{ name: 'a'.repeat(41) }] }, /DebugHostPlatform: invalid prop 'tenants\[\].name'.*more than 40/],
      [{ tenants: [{ name: 'acme', quotas: { containers: 0 } }] }, /Tenant: invalid prop 'quotas.containers'/],
      [{ postgres: { instances: 0 } }, /PostgresHA: invalid prop 'instances'/],
      [{ debugHost: { image: 'x:latest' } }, /DebugHost: invalid prop 'image'/],
    ])('%j', (config, message) => {
      expect(() => platform(config as Partial<DebugHostPlatformConfig>)).toThrow(message);
    });
    it('missing config', () => {
      expect(() => synth((c) => new DebugHostPlatform(c, 'p', undefined as never))).toThrow(/'config'/);
    });
  });
});
