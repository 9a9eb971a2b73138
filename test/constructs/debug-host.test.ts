import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALING, DEFAULT_RUNTIME_IMAGE, DEFAULT_RUNTIME_RESOURCES, DebugHost, type DebugHostProps } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const host = (props: DebugHostProps = {}) => synth((c) => new DebugHost(c, 'dh', props));
const container = (objs: ReturnType<typeof host>) => one(objs, 'Deployment').spec.template.spec.containers[0];
const envOf = (objs: ReturnType<typeof host>) => Object.fromEntries(container(objs).env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));

describe('DebugHost', () => {
  it('synthesizes objects that all validate (Kubernetes schema, ServiceMonitor model)', async () => {
    await expectValid(host());
    await expectValid(host({ jwksUrl: 'https://id.example.com/.well-known/jwks.json', redisAddress: 'r.ns.svc:6379', redisPasswordSecret: { name: 's', key: 'k' }, kafkaBrokers: 'k:9093', serviceMonitor: false }));
  });

  it('keeps its shape', () => {
    expect(host()).toMatchSnapshot();
  });

  it('defaults to name and namespace debug-host and a pinned image', () => {
    const objs = host();
    for (const o of objs) expect([o.metadata.name, o.metadata.namespace]).toEqual([o.kind === 'Service' && o.metadata.name.endsWith('-peers') ? 'debug-host-peers' : 'debug-host', 'debug-host']);
    expect(DEFAULT_RUNTIME_IMAGE).toBe('ghcr.io/debug-host/runtime:0.1.0');
    expect(container(objs).image).toBe(DEFAULT_RUNTIME_IMAGE);
    expect(container(objs).imagePullPolicy).toBe('IfNotPresent');
  });

  it('rolls out with maxSurge 1 and maxUnavailable 0, spread across zones and nodes', () => {
    const spec = one(host(), 'Deployment').spec;
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    // The HPA owns replicas: the Deployment does not set them, so a re-apply cannot reset a scale-out.
    expect(spec.replicas).toBeUndefined();
    expect(spec.template.spec.topologySpreadConstraints.map((t: { topologyKey: string; maxSkew: number }) => [t.topologyKey, t.maxSkew])).toEqual([
      ['topology.kubernetes.io/zone', 1],
      ['kubernetes.io/hostname', 1],
    ]);
    expect(one(host({ topologyKey: 'example.com/rack' }), 'Deployment').spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('example.com/rack');
  });

  it('probes /health (liveness) and /ready (readiness) on 2601 and exposes 2601 mcp and 2602 dashboard', () => {
    const objs = host();
    const c = container(objs);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 2601 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 2601 });
    expect(c.ports).toEqual([
      { name: 'mcp', containerPort: 2601, protocol: 'TCP' },
      { name: 'dashboard', containerPort: 2602, protocol: 'TCP' },
    ]);
    const svc = one(objs, 'Service', 'debug-host');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['mcp', 2601], ['dashboard', 2602]]);
    const peers = one(objs, 'Service', 'debug-host-peers');
    expect(peers.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });

  it('uses the seed resources by default', () => {
    expect(DEFAULT_RUNTIME_RESOURCES).toEqual({ cpuRequest: '500m', memoryRequest: '512Mi', cpuLimit: '2', memoryLimit: '2Gi' });
    expect(container(host()).resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(container(host({ resources: { memoryLimit: '4Gi' } })).resources.limits).toEqual({ cpu: '2', memory: '4Gi' });
  });

  it('runs with secure pod defaults', () => {
    const pod = one(host(), 'Deployment').spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.enableServiceLinks).toBe(false);
    // read-only root: only the two emptyDirs are writable
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }, { name: 'data', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(pod.hostNetwork).toBeUndefined();
    expect(one(host(), 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('scales with an HPA: min 3, max 20, cpu 70 %, memory 80 %, active_containers_per_pod 10', () => {
    expect(DEFAULT_AUTOSCALING).toEqual({
      minReplicas: 3, maxReplicas: 20, cpuUtilization: 70, memoryUtilization: 80, activeContainersPerPod: 10, scaleDownStabilizationSeconds: 300,
      autoscaler: 'hpa', prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090',
    });
    expect(all(host(), 'ScaledObject')).toHaveLength(0);
    const hpa = one(host(), 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'debug-host' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 20]);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
      { type: 'Pods', pods: { metric: { name: 'active_containers_per_pod' }, target: { type: 'AverageValue', averageValue: '10' } } },
    ]);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    const custom = one(host({ autoscaling: { minReplicas: 5, maxReplicas: 50, activeContainersPerPod: 25 } }), 'HorizontalPodAutoscaler');
    expect([custom.spec.minReplicas, custom.spec.maxReplicas, custom.spec.metrics[2].pods.target.averageValue]).toEqual([5, 50, '25']);
  });

  it('can scale with KEDA instead: a ScaledObject with cpu, memory and a Prometheus trigger, validated by the KEDA model', async () => {
    const objs = host({ autoscaling: { autoscaler: 'keda', maxReplicas: 30 } });
    expect(all(objs, 'HorizontalPodAutoscaler')).toHaveLength(0);
    const so = one(objs, 'ScaledObject');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec).toMatchObject({ scaleTargetRef: { name: 'debug-host' }, minReplicaCount: 3, maxReplicaCount: 30 });
    expect(so.spec.triggers).toEqual([
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } },
      { type: 'memory', metricType: 'Utilization', metadata: { value: '80' } },
      {
        type: 'prometheus',
        metricType: 'AverageValue',
        metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: 'sum(active_containers_per_pod{namespace="debug-host",pod=~"debug-host-.*"})', threshold: '10' },
      },
    ]);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    await expectValid(objs);
  });

  it('keeps a PodDisruptionBudget of one unavailable replica', () => {
    const pdb = one(host(), 'PodDisruptionBudget');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(one(host(), 'Deployment').spec.selector.matchLabels);
  });

  it('grants only leases, endpointslices and get+patch of its own HPA in its own namespace (tenant rights come from each Tenant)', () => {
    const objs = host();
    expect(all(objs, 'ClusterRole')).toHaveLength(0);
    expect(all(objs, 'ClusterRoleBinding')).toHaveLength(0);
    const role = one(objs, 'Role');
    expect(role.metadata.namespace).toBe('debug-host');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], resourceNames: ['debug-host'], verbs: ['get', 'patch'] },
    ]);
    expect(one(objs, 'HorizontalPodAutoscaler').metadata.name).toBe('debug-host');
    expect(one(objs, 'RoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'debug-host', namespace: 'debug-host' }]);
  });

  it('wires the runtime environment: driver, namespace from the downward API, pod identity, secrets', () => {
    const env = envOf(host());
    expect(env).toEqual({
      DEBUG_HOST_DRIVER: 'kubernetes',
      DEBUG_HOST_HOST: '0.0.0.0',
      DEBUG_HOST_PORT: '2601',
      DEBUG_HOST_DATA_DIR: '/var/lib/debug-host',
      DEBUG_HOST_NAMESPACE: { fieldRef: { fieldPath: 'metadata.namespace' } },
      POD_NAME: { fieldRef: { fieldPath: 'metadata.name' } },
      POD_IP: { fieldRef: { fieldPath: 'status.podIP' } },
      DEBUG_HOST_PEER_SERVICE: 'debug-host-peers',
      DATABASE_URL: { secretKeyRef: { name: 'debug-host-database', key: 'url' } },
      DEBUG_HOST_JWT_SECRET: { secretKeyRef: { name: 'debug-host-jwt', key: 'secret' } },
    });
    const wired = envOf(host({ jwksUrl: 'https://id.example.com/jwks', kafkaBrokers: 'k:9093', redisAddress: 'r.ns.svc:6379', redisPasswordSecret: { name: 'redis', key: 'password' }, env: { LOG_LEVEL: 'debug' } }));
    expect(wired.DEBUG_HOST_JWKS_URL).toBe('https://id.example.com/jwks');
    expect(wired.DEBUG_HOST_JWT_SECRET).toBeUndefined();
    expect(wired.DEBUG_HOST_KAFKA_BROKERS).toBe('k:9093');
    expect(wired.DEBUG_HOST_REDIS_PASSWORD).toEqual({ secretKeyRef: { name: 'redis', key: 'password' } });
    expect(wired.DEBUG_HOST_REDIS_URL).toBe('redis://:$(DEBUG_HOST_REDIS_PASSWORD)@r.ns.svc:6379');
    expect(wired.LOG_LEVEL).toBe('debug');
    expect(wired.DEBUG_HOST_REDIS_CLUSTER).toBeUndefined(); // @default false
    expect(envOf(host({ redisAddress: 'r:6379', redisCluster: true })).DEBUG_HOST_REDIS_CLUSTER).toBe('true');
    expect(envOf(host({ redisUrlSecret: { name: 'ext', key: 'url' } })).DEBUG_HOST_REDIS_URL).toEqual({ secretKeyRef: { name: 'ext', key: 'url' } });
    const traced = envOf(host({ otlpEndpoint: 'http://otel.obs.svc:4318' }));
    expect([traced.OTEL_EXPORTER_OTLP_ENDPOINT, traced.OTEL_SERVICE_NAME]).toEqual(['http://otel.obs.svc:4318', 'debug-host']);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined(); // @default - no traces
  });

  it('always gives the replicas a cluster secret: with jwksUrl from the Secret debug-host-cluster (a runtime on PostgreSQL refuses to start without one)', () => {
    const jwks = { jwksUrl: 'https://id.example.com/jwks' };
    expect(envOf(host(jwks)).DEBUG_HOST_CLUSTER_SECRET).toEqual({ secretKeyRef: { name: 'debug-host-cluster', key: 'secret' } });
    expect(envOf(host({ ...jwks, clusterSecret: { name: 'idp-cluster', key: 'k' } })).DEBUG_HOST_CLUSTER_SECRET).toEqual({ secretKeyRef: { name: 'idp-cluster', key: 'k' } });
    // With a shared JWT secret the runtime signs forwarded calls with it, unless one of its own is given.
    expect(envOf(host()).DEBUG_HOST_CLUSTER_SECRET).toBeUndefined();
    expect(envOf(host({ clusterSecret: { name: 'cluster', key: 'secret' } })).DEBUG_HOST_CLUSTER_SECRET).toEqual({ secretKeyRef: { name: 'cluster', key: 'secret' } });
    expect(() => host({ ...jwks, env: { DEBUG_HOST_CLUSTER_SECRET: 'plain' } })).toThrow(/'env.DEBUG_HOST_CLUSTER_SECRET'.*dedicated prop.*clusterSecret/);
  });

  it('emits a ServiceMonitor for /metrics unless disabled', () => {
    const sm = one(host(), 'ServiceMonitor');
    expect(sm.spec.endpoints).toEqual([{ port: 'mcp', path: '/metrics', interval: '30s' }]);
    expect(all(host({ serviceMonitor: false }), 'ServiceMonitor')).toHaveLength(0);
  });

  describe('rejects bad props with a message naming the prop and the fix', () => {
    it.each([
      [{ image: 'ghcr.io/debug-host/runtime:latest' }, /'image'.*not pinned.*never ":latest"/],
      [{ image: 'ghcr.io/debug-host/runtime' }, /'image'.*not pinned/],
      [{ image: 'ghcr.io/debug-host/runtime@sha256:abc' }, /'image'.*not pinned/],
      [{ image: 'localhost:5000/runtime' }, /'image'.*not pinned/],
      [{ name: 'Debug_Host' }, /'name'/],
      [{ namespace: '' }, /'namespace'/],
      [{ autoscaling: { minReplicas: 0 } }, /'autoscaling.minReplicas'/],
      [{ autoscaling: { minReplicas: 5, maxReplicas: 4 } }, /'autoscaling.maxReplicas'.*below minReplicas 5.*maxReplicas >= minReplicas/],
      [{ autoscaling: { cpuUtilization: 120 } }, /'autoscaling.cpuUtilization'.*from 1 to 100/],
      [{ autoscaling: { activeContainersPerPod: 0 } }, /'autoscaling.activeContainersPerPod'/],
      [{ resources: { cpuRequest: 'lots' } }, /'resources.cpuRequest'/],
      [{ autoscaling: { autoscaler: 'vpa' } }, /'autoscaling.autoscaler'.*"hpa" or "keda"/],
      [{ autoscaling: { autoscaler: 'keda', prometheusAddress: 'prometheus:9090' } }, /'autoscaling.prometheusAddress'.*http/],
      [{ jwksUrl: 'https://a/jwks', jwtSecret: { name: 's', key: 'k' } }, /'jwksUrl'.*both set.*Set only one/],
      [{ jwksUrl: 'http://insecure/jwks' }, /'jwksUrl'.*https/],
      [{ redisAddress: 'r:6379', redisUrlSecret: { name: 's', key: 'k' } }, /'redisAddress'.*both set/],
      [{ redisAddress: 'redis://r:6379' }, /'redisAddress'.*host:port/],
      [{ redisCluster: true }, /'redisCluster'.*without a Redis/],
      [{ env: { DATABASE_URL: 'x' } }, /'env.DATABASE_URL'.*dedicated prop/],
      [{ maxUnavailableDuringDisruption: 3 }, /'maxUnavailableDuringDisruption'.*below autoscaling.minReplicas/],
    ])('%j', (props, message) => {
      expect(() => host(props as DebugHostProps)).toThrow(message);
    });
    it('accepts a digest-pinned image, and a tag on a registry with a port', () => {
      expect(() => host({ image: 'ghcr.io/debug-host/runtime@sha256:' + 'a'.repeat(64) })).not.toThrow();
      expect(() => host({ image: 'localhost:5000/debug-host/runtime:0.1.0' })).not.toThrow();
    });
  });
});
