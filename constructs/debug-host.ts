import type { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { type DebugHostAutoscalingProps, createAutoscaler, resolveAutoscaling } from './autoscaling.js';
import { modelObject, type ResourceProps, type SecretKeyRef } from './common.js';
import { componentLabels } from './labels.js';
import { RUNTIME_OWN_NAMESPACE_RULES, policyRules, runtimeHpaRule } from './runtime-rbac.js';
import { ConstructPropsError, requireDnsLabel, requireInt, requireQuantity, stripUndefined } from './validation.js';

export interface DebugHostProps {
  /** Namespace the runtime runs in. @default 'debug-host' */
  readonly namespace?: string;
  /** Name of the Deployment, Services, ServiceAccount, HPA, PDB and ServiceMonitor. @default 'debug-host' */
  readonly name?: string;
  /** Runtime image, pinned to a tag or digest (`:latest` is rejected). @default 'ghcr.io/debug-host/runtime:0.1.0' */
  readonly image?: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** @default - see DebugHostAutoscalingProps */
  readonly autoscaling?: DebugHostAutoscalingProps;
  /** Container resources. @default { cpuRequest: '500m', memoryRequest: '512Mi', cpuLimit: '2', memoryLimit: '2Gi' } (the seed's) */
  readonly resources?: ResourceProps;
  /** Secret key holding the Postgres URL, exposed as DATABASE_URL. @default { name: 'debug-host-database', key: 'url' } */
  readonly databaseUrlSecret?: SecretKeyRef;
  /** Secret key holding the Redis URL (with credentials), exposed as DEBUG_HOST_REDIS_URL. @default - none: the runtime uses local caches */
  readonly redisUrlSecret?: SecretKeyRef;
  /**
   * In-cluster Redis `host:port` (e.g. a RedisCluster's Service); the runtime gets
   * DEBUG_HOST_REDIS_URL `redis://:<password>@<host:port>` with the password from
   * `redisPasswordSecret`. Conflicts with `redisUrlSecret`. @default - none
   */
  readonly redisAddress?: string;
  /** Secret key with the Redis password, used with `redisAddress`. @default - no password */
  readonly redisPasswordSecret?: SecretKeyRef;
  /** Redis runs in cluster mode (DEBUG_HOST_REDIS_CLUSTER=true). @default false */
  readonly redisCluster?: boolean;
  /** Kafka bootstrap servers, exposed as DEBUG_HOST_KAFKA_BROKERS. @default - none: events stay in the outbox */
  readonly kafkaBrokers?: string;
  /** JWKS URL for tenant tokens (DEBUG_HOST_JWKS_URL); set this or `jwtSecret`. @default - none: `jwtSecret` is used */
  readonly jwksUrl?: string;
  /**
   * OTLP/HTTP endpoint for the runtime's traces (OTEL_EXPORTER_OTLP_ENDPOINT, with
   * OTEL_SERVICE_NAME the runtime's name); the platform sets it to its Observability's
   * collector. @default - none: no traces
   */
  readonly otlpEndpoint?: string;
  /** Secret key holding the shared JWT secret (DEBUG_HOST_JWT_SECRET). @default { name: 'debug-host-jwt', key: 'secret' } unless `jwksUrl` is set */
  readonly jwtSecret?: SecretKeyRef;
  /**
   * Secret key holding the secret that signs calls forwarded between replicas
   * (DEBUG_HOST_CLUSTER_SECRET, 32+ characters). The runtime refuses to start on PostgreSQL
   * without one, so with `jwksUrl` there is always one.
   * @default { name: 'debug-host-cluster', key: 'secret' } with `jwksUrl`; else none: the runtime uses `jwtSecret`
   */
  readonly clusterSecret?: SecretKeyRef;
  /** Extra environment variables. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Node label the replicas are spread across (maxSkew 1). @default 'topology.kubernetes.io/zone' */
  readonly topologyKey?: string;
  /** Replicas the PodDisruptionBudget allows down at once. @default 1 */
  readonly maxUnavailableDuringDisruption?: number;
  /** Emit a Prometheus-operator ServiceMonitor for /metrics. @default true */
  readonly serviceMonitor?: boolean;
  /** Extra labels on every object and the pods. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** MCP (Streamable HTTP at /mcp), /health, /ready and /metrics. */
export const MCP_PORT = 2601;
/** The self-service dashboard. */
export const DASHBOARD_PORT = 2602;
/** The pinned default runtime image. */
export const DEFAULT_RUNTIME_IMAGE = 'ghcr.io/debug-host/runtime:0.1.0';

export const DEFAULT_RUNTIME_RESOURCES: Required<ResourceProps> = Object.freeze({
  cpuRequest: '500m',
  memoryRequest: '512Mi',
  cpuLimit: '2',
  memoryLimit: '2Gi',
});

/** Where the cluster secret is read from when tokens come from `jwksUrl` and no `clusterSecret` is given. */
export const DEFAULT_CLUSTER_SECRET: SecretKeyRef = Object.freeze({ name: 'debug-host-cluster', key: 'secret' });

/** Writable data directory (an emptyDir: the root filesystem is read-only). */
const DATA_DIR = '/var/lib/debug-host';

/** UID/GID the runtime runs as (non-root). */
export const RUNTIME_UID = 10001;

/**
 * The debug-host runtime: Deployment (rolling, maxSurge 1, maxUnavailable 0, spread across
 * zones), Service (2601 mcp, 2602 dashboard), headless peers Service, ServiceAccount with a
 * namespaced Role (leases, endpointslices; the pod rights in tenant namespaces come from each
 * `Tenant`), HPA on cpu, memory and `active_containers_per_pod`, PodDisruptionBudget and a
 * ServiceMonitor. Pods run non-root with a read-only root filesystem, no privilege
 * escalation, all capabilities dropped and the RuntimeDefault seccomp profile.
 *
 * Escape hatch: each object is a public `ApiObject` field; `apiObjects` lists them all.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export class DebugHost extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  readonly image: string;
  readonly autoscaling: Required<DebugHostAutoscalingProps>;
  /** `<name>.<namespace>.svc`. */
  readonly serviceHost: string;
  readonly serviceAccount: ApiObject;
  readonly role: ApiObject;
  readonly roleBinding: ApiObject;
  readonly deployment: ApiObject;
  readonly service: ApiObject;
  readonly peerService: ApiObject;
  /** The HorizontalPodAutoscaler, or KEDA's ScaledObject with `autoscaling.autoscaler: 'keda'`. */
  readonly hpa: ApiObject;
  /** Same object as `hpa`. */
  readonly autoscaler: ApiObject;
  readonly podDisruptionBudget: ApiObject;
  readonly serviceMonitor: ApiObject | undefined;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: DebugHostProps = {}) {
    super(scope, id);
    const C = 'DebugHost';
    this.name = requireDnsLabel(C, 'name', props.name ?? 'debug-host');
    this.namespaceName = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    this.image = requireImage(C, props.image ?? DEFAULT_RUNTIME_IMAGE);
    const a = resolveAutoscaling(C, props.autoscaling);
    this.autoscaling = a;
    const r = { ...DEFAULT_RUNTIME_RESOURCES, ...stripUndefined(props.resources ?? {}) };
    for (const [k, v] of Object.entries(r)) requireQuantity(C, `resources.${k}`, v);
    if (props.jwksUrl !== undefined && props.jwtSecret !== undefined) {
      throw new ConstructPropsError(C, 'jwksUrl', 'jwksUrl and jwtSecret are both set', 'Set only one: jwksUrl for an identity provider, or jwtSecret for a shared secret.');
    }
    if (props.jwksUrl !== undefined && !/^https:\/\/\S+$/.test(props.jwksUrl)) {
      throw new ConstructPropsError(C, 'jwksUrl', `${JSON.stringify(props.jwksUrl)} is not an https URL`, 'Use the https URL of your identity provider\'s JWKS.');
    }
    const maxUnavailable = requireInt(C, 'maxUnavailableDuringDisruption', props.maxUnavailableDuringDisruption ?? 1, 1);
    if (maxUnavailable >= a.minReplicas) {
      throw new ConstructPropsError(C, 'maxUnavailableDuringDisruption', `${maxUnavailable} would let every replica go at once (minReplicas ${a.minReplicas})`, 'Set it below autoscaling.minReplicas.');
    }
    const ns = this.namespaceName;
    const name = this.name;
    this.serviceHost = `${name}.${ns}.svc`;
    const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    const labels = { ...(props.labels ?? {}), ...componentLabels(name, 'runtime'), ...selector };
    const meta = (n: string) => ({ name: n, namespace: ns, labels });
    const qty = k8s.Quantity.fromString;
    const port = k8s.IntOrString.fromNumber;

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta(name), automountServiceAccountToken: false });
    this.role = new k8s.KubeRole(this, 'Role', {
      metadata: meta(name),
      // The HPA (or KEDA's, which is named differently and not patched) carries the Deployment's name.
      rules: [...policyRules(RUNTIME_OWN_NAMESPACE_RULES), ...(a.autoscaler === 'hpa' ? [runtimeHpaRule(name)] : [])],
    });
    this.roleBinding = new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: meta(name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    });

    const env: k8s.EnvVar[] = [
      { name: 'DEBUG_HOST_DRIVER', value: 'kubernetes' },
      { name: 'DEBUG_HOST_HOST', value: '0.0.0.0' },
      { name: 'DEBUG_HOST_PORT', value: String(MCP_PORT) },
      { name: 'DEBUG_HOST_DATA_DIR', value: DATA_DIR },
      { name: 'DEBUG_HOST_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'DEBUG_HOST_PEER_SERVICE', value: `${name}-peers` },
      secretEnv('DATABASE_URL', props.databaseUrlSecret ?? { name: 'debug-host-database', key: 'url' }),
    ];
    if (props.redisUrlSecret && props.redisAddress) {
      throw new ConstructPropsError(C, 'redisAddress', 'redisAddress and redisUrlSecret are both set', 'Set redisUrlSecret for an external Redis, or redisAddress (+ redisPasswordSecret) for an in-cluster one.');
    }
    if (props.redisUrlSecret) env.push(secretEnv('DEBUG_HOST_REDIS_URL', props.redisUrlSecret));
    if (props.redisAddress) {
      if (!/^[a-z0-9.-]+:\d{1,5}$/.test(props.redisAddress)) {
        throw new ConstructPropsError(C, 'redisAddress', `${JSON.stringify(props.redisAddress)} is not host:port`, 'Use e.g. "debug-host-redis.debug-host.svc:6379".');
      }
      if (props.redisPasswordSecret) {
        env.push(secretEnv('DEBUG_HOST_REDIS_PASSWORD', props.redisPasswordSecret));
        env.push({ name: 'DEBUG_HOST_REDIS_URL', value: `redis://:$(DEBUG_HOST_REDIS_PASSWORD)@${props.redisAddress}` });
      } else {
        env.push({ name: 'DEBUG_HOST_REDIS_URL', value: `redis://${props.redisAddress}` });
      }
    }
    if (props.redisCluster) {
      if (!props.redisAddress && !props.redisUrlSecret) {
        throw new ConstructPropsError(C, 'redisCluster', 'is set without a Redis to connect to', 'Set redisAddress (or redisUrlSecret) too, or drop redisCluster.');
      }
      env.push({ name: 'DEBUG_HOST_REDIS_CLUSTER', value: 'true' });
    }
    if (props.kafkaBrokers) env.push({ name: 'DEBUG_HOST_KAFKA_BROKERS', value: props.kafkaBrokers });
    if (props.jwksUrl) env.push({ name: 'DEBUG_HOST_JWKS_URL', value: props.jwksUrl });
    else env.push(secretEnv('DEBUG_HOST_JWT_SECRET', props.jwtSecret ?? { name: 'debug-host-jwt', key: 'secret' }));
    if (props.otlpEndpoint) {
      env.push(
        { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: props.otlpEndpoint },
        { name: 'OTEL_SERVICE_NAME', value: name },
        // Which pod a span came from, without giving the collector read access to the API server.
        { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(DEBUG_HOST_NAMESPACE)' },
      );
    }
    const clusterSecret = props.clusterSecret ?? (props.jwksUrl ? DEFAULT_CLUSTER_SECRET : undefined);
    if (clusterSecret) env.push(secretEnv('DEBUG_HOST_CLUSTER_SECRET', clusterSecret));
    for (const [k, v] of Object.entries(props.env ?? {})) {
      if (env.some((e) => e.name === k)) {
        throw new ConstructPropsError(C, `env.${k}`, 'overrides a variable the construct sets', 'Use the dedicated prop (databaseUrlSecret, redisUrlSecret, kafkaBrokers, jwksUrl, jwtSecret, clusterSecret, otlpEndpoint) instead.');
      }
      env.push({ name: k, value: v });
    }

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta(name),
      spec: {
        // No `replicas`: the HPA owns it (one writer per field), so a re-apply does not reset a scale-out.
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: port(1), maxUnavailable: port(0) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: true, // the kubernetes driver talks to the API server
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 60,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: RUNTIME_UID,
              runAsGroup: RUNTIME_UID,
              fsGroup: RUNTIME_UID,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: props.topologyKey ?? 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
              { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } },
            ],
            containers: [
              {
                name: 'runtime',
                image: this.image,
                imagePullPolicy: props.imagePullPolicy ?? 'IfNotPresent',
                ports: [
                  { name: 'mcp', containerPort: MCP_PORT, protocol: 'TCP' },
                  { name: 'dashboard', containerPort: DASHBOARD_PORT, protocol: 'TCP' },
                ],
                env,
                resources: {
                  requests: { cpu: qty(r.cpuRequest), memory: qty(r.memoryRequest) },
                  limits: { cpu: qty(r.cpuLimit), memory: qty(r.memoryLimit) },
                },
                livenessProbe: { httpGet: { path: '/health', port: port(MCP_PORT) }, initialDelaySeconds: 30, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/ready', port: port(MCP_PORT) }, initialDelaySeconds: 5, periodSeconds: 5 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'data', mountPath: DATA_DIR },
                ],
              },
            ],
            volumes: [
              { name: 'tmp', emptyDir: { sizeLimit: qty('1Gi') } },
              { name: 'data', emptyDir: { sizeLimit: qty('1Gi') } },
            ],
          },
        },
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: meta(name),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'mcp', port: MCP_PORT, targetPort: port(MCP_PORT), protocol: 'TCP' },
          { name: 'dashboard', port: DASHBOARD_PORT, targetPort: port(DASHBOARD_PORT), protocol: 'TCP' },
        ],
      },
    });
    this.peerService = new k8s.KubeService(this, 'PeerService', {
      metadata: meta(`${name}-peers`),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'mcp', port: MCP_PORT, targetPort: port(MCP_PORT), protocol: 'TCP' }],
      },
    });

    this.hpa = createAutoscaler(this, 'Hpa', a, { name, namespace: ns, labels });
    this.autoscaler = this.hpa;

    this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'Pdb', {
      metadata: meta(name),
      spec: { maxUnavailable: port(maxUnavailable), selector: { matchLabels: selector } },
    });

    this.serviceMonitor =
      props.serviceMonitor === false
        ? undefined
        : modelObject<IServiceMonitor>(this, 'ServiceMonitor', {
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: meta(name),
            spec: {
              selector: { matchLabels: selector },
              namespaceSelector: { matchNames: [ns] },
              endpoints: [{ port: 'mcp', path: '/metrics', interval: '30s' }],
            },
          });

    this.apiObjects = [
      this.serviceAccount,
      this.role,
      this.roleBinding,
      this.deployment,
      this.service,
      this.peerService,
      this.hpa,
      this.podDisruptionBudget,
      ...(this.serviceMonitor ? [this.serviceMonitor] : []),
    ];
  }
}

function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

/**
 * Why `image` is not pinned to a tag or a sha256 digest, or undefined when it is: the one rule
 * for the constructs' props and the stacks' `platform.runtimeImage` config.
 */
export function imagePinProblem(image: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9._\/:@-]*$/i.test(image)) return 'expected an image reference such as "ghcr.io/debug-host/runtime:0.1.0"';
  if (image.includes('@')) return /@sha256:[a-f0-9]{64}$/.test(image) ? undefined : 'a digest must be "@sha256:" and 64 hex digits';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  if (!lastSegment.includes(':')) return 'an image without a tag or digest is not pinned';
  if (lastSegment.endsWith(':latest')) return 'an image tagged ":latest" is not pinned';
  return undefined;
}

/** An image reference pinned to a tag or digest; `:latest` and untagged images are rejected. */
export function requireImage(construct: string, image: string, prop = 'image'): string {
  if (imagePinProblem(image) !== undefined) {
    throw new ConstructPropsError(construct, prop, `${JSON.stringify(image)} is not pinned`, 'Use an explicit version tag or digest, e.g. "ghcr.io/debug-host/runtime:0.1.0" (never ":latest").');
  }
  return image;
}
