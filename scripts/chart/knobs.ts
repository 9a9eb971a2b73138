/**
 * Every value of the chart: its path, type, default, JSON schema, description, and what the
 * generator synthesizes it with. A `sentinel` is a distinctive value whose occurrences in the
 * synthesized objects become the value's template expression; a `toggle` is a value whose two
 * states change which objects or fields exist (`base` is the state of the synthesis everything
 * else is compared with, `variant` the other); `probes` are further values the generator
 * checks the finished chart with, against the constructs. Defaults come from the constructs'
 * exported constants where they have one; the generator checks that the chart's defaults
 * render what the constructs do with no props set.
 */
import { TENANT_ID_DESCRIPTION, TENANT_ID_MAX_LENGTH, TENANT_ID_MIN_LENGTH, TENANT_ID_RULE, TOOL_DURATION_BUCKETS } from '@debug-host/rules';
import { DEFAULT_AUTOSCALING } from '../../constructs/autoscaling.js';
import { DEFAULT_RUNTIME_IMAGE, DEFAULT_RUNTIME_RESOURCES } from '../../constructs/debug-host.js';
import { DEFAULT_STORAGE_CLASS_NAME } from '../../constructs/encrypted-storage-class.js';
import { DEFAULT_KAFKA_TENANT_QUOTAS } from '../../constructs/kafka.js';
import { DEFAULT_TENANT_LIMITS, DEFAULT_TENANT_QUOTAS } from '../../constructs/tenant.js';
import type { Json } from './tree.js';

export type KnobType = 'string' | 'integer' | 'number' | 'boolean' | 'quantity';

export interface Toggle {
  readonly base: Json;
  readonly variant: Json;
  /** Other values the variant changes too (a state the constructs refuse otherwise). */
  readonly also?: Readonly<Record<string, Json>>;
  /** Other values the generator's checks set when they turn the toggle back to its base state. */
  readonly requires?: Readonly<Record<string, Json>>;
}

export interface Knob {
  /** Dotted path under `.Values` (tenant knobs: under one item of `.Values.tenants`). */
  readonly path: string;
  readonly type: KnobType;
  readonly description: string;
  /** values.yaml's value; for tenant knobs the value when the key is absent (undefined: required). */
  readonly default?: Json;
  /** More JSON schema for the value (pattern, enum, bounds). */
  readonly schema?: Readonly<Record<string, Json>>;
  /** 'auto': `zq<path>zq` for strings, a fresh number for integers and quantities. */
  readonly sentinel?: Json | 'auto';
  readonly toggle?: Toggle;
  readonly probes?: readonly Json[];
  /** A number whose text may appear inside strings (a PromQL threshold). */
  readonly embeddable?: boolean;
  /** Never copied into a field: only derivations (derivations.ts) use it, so its sentinel is not searched for. */
  readonly derivedOnly?: boolean;
  /** The value's expression when it is not the plain value (a default taken from elsewhere). */
  readonly expr?: { readonly go: string; readonly ts: (value: Json, ctx: { appVersion: string; tenantName?: string }) => Json };
}

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
// RE2 (Helm's schema validator) has no lookahead: "a nonzero digit somewhere" is spelled out.
const QUANTITY = '^(\\d*[1-9]\\d*(\\.\\d+)?|\\d+\\.\\d*[1-9]\\d*|\\.\\d*[1-9]\\d*)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$';
const PINNED_IMAGE = '^[a-zA-Z0-9][a-zA-Z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[a-f0-9]{64})$';
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
const OBJECT_STORE = '^([a-z0-9]+://\\S+)?$';

const dnsLabel = (maxLength = 63) => ({ pattern: DNS_LABEL, maxLength });
const dnsName = { pattern: DNS_NAME, maxLength: 253 };
// ":latest" is refused by templates/_validate.tpl, whose message says why (a schema's `not` does not).
const pinned = { pattern: PINNED_IMAGE };
const int = (minimum: number, maximum?: number): Record<string, Json> => (maximum === undefined ? { minimum } : { minimum, maximum });
const on = (base = true): Toggle => ({ base, variant: !base });
const present = (also?: Record<string, Json>): Toggle => ({ base: 'sentinel', variant: '', ...(also ? { also } : {}) });

const [imageRepository, appVersion] = [DEFAULT_RUNTIME_IMAGE.slice(0, DEFAULT_RUNTIME_IMAGE.lastIndexOf(':')), DEFAULT_RUNTIME_IMAGE.slice(DEFAULT_RUNTIME_IMAGE.lastIndexOf(':') + 1)];
/** The chart's appVersion: the tag of the runtime image the constructs deploy. */
export const APP_VERSION = appVersion;

const secretRef = (path: string, what: string, name: string, key: string): Knob[] => [
  { path: `${path}.name`, type: 'string', description: `Existing Secret with ${what} (the chart never creates Secrets).`, default: name, schema: dnsName, sentinel: 'auto', probes: ['other-secret'] },
  { path: `${path}.key`, type: 'string', description: 'Key inside that Secret.', default: key, schema: { pattern: SECRET_KEY }, sentinel: 'auto', probes: ['other.key'] },
];
const a = DEFAULT_AUTOSCALING;
const r = DEFAULT_RUNTIME_RESOURCES;

export const KNOBS: readonly Knob[] = [
  { path: 'environment', type: 'string', description: 'Environment name (dev, staging, prod, ...), set as the label debug-host.io/environment on every object.', default: 'dev', schema: dnsLabel(), sentinel: 'auto', probes: ['qa-1'] },
  { path: 'domain', type: 'string', description: 'Base domain; each tenant is served at <tenant>.<domain>.', default: 'debug-host.example.com', schema: dnsName, sentinel: 'zqdomainzq.example', probes: ['a.b.example.org'] },
  { path: 'namespace', type: 'string', description: 'Namespace of the runtime and its data services (not tenant-*).', default: 'debug-host', schema: dnsLabel(), sentinel: 'auto', probes: ['dh-system'] },
  { path: 'createNamespace', type: 'boolean', description: 'Create that namespace (Pod Security enforce baseline, warn/audit restricted).', default: true, toggle: on() },
  { path: 'tenantNamespaces', type: 'boolean', description: "Create each tenant's namespace, quota, limits, network policies and roles.", default: true, toggle: on() },

  { path: 'image.repository', type: 'string', description: 'Runtime image repository.', default: imageRepository, schema: { pattern: '^[a-zA-Z0-9][a-zA-Z0-9._/:-]*[a-zA-Z0-9]$' }, sentinel: 'auto', probes: ['registry.example.com:5000/dh/runtime'] },
  {
    path: 'image.tag', type: 'string', description: 'Runtime image tag; empty means the chart appVersion. Never "latest".', default: '',
    schema: { pattern: '^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$' }, sentinel: 'auto', probes: ['', '0.2.0-rc.1'],
    expr: { go: 'default $.Chart.AppVersion $.Values.image.tag', ts: (v, c) => (v === '' ? c.appVersion : v) },
  },
  { path: 'image.digest', type: 'string', description: 'Runtime image digest (sha256:...); when set it is used instead of the tag.', default: '', schema: { pattern: '^(sha256:[a-f0-9]{64})?$' }, sentinel: `sha256:${'cafe'.repeat(16)}`, toggle: present(), probes: [`sha256:${'ab'.repeat(32)}`] },
  { path: 'image.pullPolicy', type: 'string', description: 'Image pull policy.', default: 'IfNotPresent', schema: { enum: ['Always', 'IfNotPresent', 'Never'] }, sentinel: 'auto', probes: ['Always'] },

  { path: 'autoscaling.autoscaler', type: 'string', description: 'hpa: an autoscaling/v2 HPA (active_containers_per_pod via prometheus-adapter); keda: a KEDA ScaledObject.', default: a.autoscaler, schema: { enum: ['hpa', 'keda'] }, toggle: { base: 'hpa', variant: 'keda' } },
  { path: 'autoscaling.minReplicas', type: 'integer', description: 'Fewest replicas, and the Deployment\'s initial replica count.', default: a.minReplicas, schema: int(1), sentinel: 'auto', probes: [2, 5] },
  { path: 'autoscaling.maxReplicas', type: 'integer', description: 'Most replicas (>= minReplicas).', default: a.maxReplicas, schema: int(1), sentinel: 'auto', probes: [5, 50] },
  { path: 'autoscaling.cpuUtilization', type: 'integer', description: 'Average cpu utilisation target, percent of requests.', default: a.cpuUtilization, schema: int(1, 100), sentinel: 61, probes: [1, 100] },
  { path: 'autoscaling.memoryUtilization', type: 'integer', description: 'Average memory utilisation target, percent of requests.', default: a.memoryUtilization, schema: int(1, 100), sentinel: 67, probes: [90] },
  { path: 'autoscaling.activeContainersPerPod', type: 'integer', description: 'Average active_containers_per_pod target.', default: a.activeContainersPerPod, schema: int(1), sentinel: 'auto', probes: [1, 25] },
  { path: 'autoscaling.scaleDownStabilizationSeconds', type: 'integer', description: 'Seconds before scaling down.', default: a.scaleDownStabilizationSeconds, schema: int(0, 3600), sentinel: 3517, probes: [0, 3600] },
  { path: 'autoscaling.prometheusAddress', type: 'string', description: 'Prometheus that KEDA queries (autoscaler keda).', default: a.prometheusAddress, schema: { pattern: '^https?://\\S+$' }, sentinel: 'http://zqprometheuszq.example:9090', probes: ['https://prom.example.com'] },

  { path: 'resources.requests.cpu', type: 'quantity', description: 'Runtime container cpu request.', default: r.cpuRequest, sentinel: 'auto', probes: ['250m', 1] },
  { path: 'resources.requests.memory', type: 'quantity', description: 'Runtime container memory request.', default: r.memoryRequest, sentinel: 'auto', probes: ['1Gi'] },
  { path: 'resources.limits.cpu', type: 'quantity', description: 'Runtime container cpu limit.', default: r.cpuLimit, sentinel: 'auto', probes: ['1500m', 4] },
  { path: 'resources.limits.memory', type: 'quantity', description: 'Runtime container memory limit.', default: r.memoryLimit, sentinel: 'auto', probes: ['3Gi'] },
  { path: 'podDisruptionBudget.maxUnavailable', type: 'integer', description: 'Replicas the PodDisruptionBudget lets go at once (< minReplicas).', default: 1, schema: int(1), sentinel: 6991, probes: [2] },
  { path: 'topologyKey', type: 'string', description: 'Node label the replicas are spread across.', default: 'topology.kubernetes.io/zone', schema: { pattern: LABEL_KEY }, sentinel: 'auto', probes: ['example.com/rack'] },
  { path: 'serviceMonitor.enabled', type: 'boolean', description: 'Emit a Prometheus-operator ServiceMonitor for /metrics.', default: true, toggle: on() },

  { path: 'auth.jwksUrl', type: 'string', description: "JWKS URL of an identity provider; when set, tokens are verified with its keys instead of auth.jwtSecret.", default: '', schema: { pattern: '^(https://\\S+)?$' }, sentinel: 'https://zqjwkszq.example/jwks', toggle: present(), probes: ['https://idp.example.com/.well-known/jwks.json'] },
  ...secretRef('auth.jwtSecret', 'the shared JWT secret (DEBUG_HOST_JWT_SECRET)', 'debug-host-jwt', 'secret'),
  ...secretRef('auth.clusterSecret', 'the secret replicas sign forwarded calls with (DEBUG_HOST_CLUSTER_SECRET), read with auth.jwksUrl; with auth.jwtSecret that secret signs them', 'debug-host-cluster', 'secret'),
  ...secretRef('database.existingSecret', 'the PostgreSQL URL, used when postgres.enabled is false', 'debug-host-database', 'url'),

  { path: 'postgres.enabled', type: 'boolean', description: 'Deploy PostgreSQL (CloudNativePG Cluster, Pooler, backups); false: use database.existingSecret.', default: true, toggle: on() },
  { path: 'postgres.instances', type: 'integer', description: 'Postgres instances (1 primary + replicas).', default: 3, schema: int(1, 9), sentinel: 7, probes: [1, 2, 5] },
  { path: 'postgres.storageSize', type: 'quantity', description: 'Volume size per instance.', default: '20Gi', sentinel: 'auto', probes: ['5Gi'] },
  { path: 'postgres.storageClass', type: 'string', description: 'StorageClass of the volumes; empty: the cluster default.', default: '', schema: { pattern: `^(${DNS_NAME.slice(1, -1)})?$` }, sentinel: 'auto', toggle: present(), probes: ['fast'] },
  { path: 'postgres.imageName', type: 'string', description: 'Postgres image, pinned.', default: 'ghcr.io/cloudnative-pg/postgresql:17.5', schema: pinned, sentinel: 'zqpostgresimagezq:17', probes: ['ghcr.io/cloudnative-pg/postgresql:17.6'] },
  { path: 'postgres.poolerInstances', type: 'integer', description: 'PgBouncer instances.', default: 2, schema: int(1), sentinel: 'auto', probes: [1, 3] },
  { path: 'postgres.declareTenantSchemas', type: 'boolean', description: "Declare the tenants' schemas in a CloudNativePG Database (false when another tool owns them).", default: true, toggle: on() },
  { path: 'postgres.backup.destinationPath', type: 'string', description: 'Object-store path for WAL archive and base backups (s3://bucket/prefix); empty: no backups.', default: '', schema: { pattern: OBJECT_STORE }, sentinel: 's3://zqpostgresbackupzq/postgres', toggle: present({ 'postgres.replica.enabled': false }), probes: ['s3://b/p'] },
  { path: 'postgres.backup.credentialsSecret', type: 'string', description: 'Secret with ACCESS_KEY_ID and ACCESS_SECRET_KEY; empty: IAM role for service accounts.', default: '', schema: { pattern: `^(${DNS_NAME.slice(1, -1)})?$` }, sentinel: 'auto', toggle: present(), probes: ['backup-keys'] },
  { path: 'postgres.backup.schedule', type: 'string', description: "CloudNativePG's six-field cron (seconds first).", default: '0 0 3 * * *', schema: { pattern: '^\\s*\\S+(\\s+\\S+){5}\\s*$' }, sentinel: 'zqbackupschedulezq 0 3 * * *', probes: ['0 30 1 * * 0'] },
  { path: 'postgres.backup.retention', type: 'string', description: 'Backup retention (e.g. 30d).', default: '30d', schema: { pattern: '^[1-9][0-9]*[dwm]$' }, sentinel: 'auto', probes: ['4w'] },
  { path: 'postgres.replica.enabled', type: 'boolean', description: 'A replica Cluster in another region, fed from the backups (needs backup.destinationPath).', default: false, toggle: { ...on(), requires: { 'postgres.backup.destinationPath': 's3://b/p', 'postgres.replica.destinationPath': 's3://b/p' } } },
  { path: 'postgres.replica.destinationPath', type: 'string', description: 'Object-store path the replica restores from (usually backup.destinationPath).', default: '', schema: { pattern: OBJECT_STORE }, sentinel: 's3://zqpostgresreplicazq/postgres', probes: ['s3://other/p'] },

  { path: 'redis.enabled', type: 'boolean', description: 'Deploy the Redis Cluster (rate-limit buckets, ownership cache); false: local caches.', default: true, toggle: on() },
  { path: 'redis.replicasPerPrimary', type: 'integer', description: 'Replicas per primary (3 primaries).', default: 1, schema: int(0, 5), sentinel: 4, derivedOnly: true, probes: [0, 1, 2, 5] },
  { path: 'redis.image', type: 'string', description: 'Redis image, pinned (7.x or later).', default: 'redis:7.4.2', schema: pinned, sentinel: 'zqredisimagezq:7', probes: ['redis:7.4.3'] },
  { path: 'redis.storageSize', type: 'quantity', description: 'Volume size per node.', default: '5Gi', sentinel: 'auto', probes: ['1Gi'] },
  { path: 'redis.storageClass', type: 'string', description: 'StorageClass of the volumes; empty: the cluster default.', default: '', schema: { pattern: `^(${DNS_NAME.slice(1, -1)})?$` }, sentinel: 'auto', toggle: present(), probes: ['fast'] },
  { path: 'redis.memory', type: 'quantity', description: 'Memory request and limit per node.', default: '1Gi', sentinel: 'auto', probes: ['256Mi'] },
  ...secretRef('redis.passwordSecret', 'the Redis password', 'debug-host-redis', 'password'),

  { path: 'kafka.enabled', type: 'boolean', description: 'Deploy Strimzi Kafka for the event streams; false: events stay in the outbox.', default: true, toggle: on() },
  { path: 'kafka.version', type: 'string', description: "Kafka version; empty: the operator's default.", default: '', schema: { pattern: '^([0-9]+\\.[0-9]+\\.[0-9]+)?$' }, sentinel: 'auto', toggle: present(), probes: ['4.1.0'] },
  { path: 'kafka.controllers', type: 'integer', description: 'KRaft controllers (odd).', default: 3, schema: { enum: [1, 3, 5, 7, 9] }, sentinel: 9, probes: [1, 5] },
  { path: 'kafka.brokers', type: 'integer', description: 'Brokers; topics are replicated min(3, brokers) times.', default: 3, schema: int(1), sentinel: 'auto', probes: [1, 2, 3, 4] },
  { path: 'kafka.brokerStorageSize', type: 'quantity', description: 'Volume size per broker.', default: '50Gi', sentinel: 'auto', probes: ['5Gi'] },
  { path: 'kafka.controllerStorageSize', type: 'quantity', description: 'Volume size per controller.', default: '10Gi', sentinel: 'auto', probes: ['1Gi'] },
  { path: 'kafka.storageClass', type: 'string', description: 'StorageClass of the volumes; empty: the cluster default.', default: '', schema: { pattern: `^(${DNS_NAME.slice(1, -1)})?$` }, sentinel: 'auto', toggle: present(), probes: ['fast'] },
  { path: 'kafka.runtimeListener', type: 'boolean', description: "Plaintext listener on 9092 for the runtime's pods only (its client has no TLS yet).", default: true, toggle: on() },
  { path: 'kafka.tenantQuotas.producerByteRate', type: 'integer', description: "Bytes per second each tenant's KafkaUser may produce, per broker.", default: DEFAULT_KAFKA_TENANT_QUOTAS.producerByteRate, schema: int(1), sentinel: 'auto', probes: [1] },
  { path: 'kafka.tenantQuotas.consumerByteRate', type: 'integer', description: 'Bytes per second it may consume, per broker.', default: DEFAULT_KAFKA_TENANT_QUOTAS.consumerByteRate, schema: int(1), sentinel: 'auto', probes: [4194304] },
  { path: 'kafka.tenantQuotas.requestPercentage', type: 'integer', description: 'Share of broker request-handler time, percent.', default: DEFAULT_KAFKA_TENANT_QUOTAS.requestPercentage, schema: int(1, 100), sentinel: 37, probes: [1, 100] },

  { path: 'gateway.enabled', type: 'boolean', description: 'Gateway API ingress (Envoy Gateway, cert-manager certificate, a route per tenant).', default: true, toggle: on() },
  { path: 'gateway.gatewayClassName', type: 'string', description: 'GatewayClass.', default: 'eg', schema: dnsLabel(253), sentinel: 'auto', probes: ['envoy'] },
  { path: 'gateway.clusterIssuer', type: 'string', description: 'cert-manager ClusterIssuer of the wildcard certificate (needs a DNS-01 solver).', default: 'letsencrypt', schema: dnsLabel(253), sentinel: 'auto', probes: ['letsencrypt-staging'] },
  { path: 'gateway.tenantHeader', type: 'string', description: "Header set from the hostname on every request: the tenant it names (a client cannot spoof another tenant's).", default: 'x-debug-host-tenant', schema: { pattern: '^[a-z0-9-]+$' }, sentinel: 'auto', probes: ['x-tenant'] },

  { path: 'observability.enabled', type: 'boolean', description: 'PrometheusRule (SLO alerts), Grafana dashboards, the OpenTelemetry collector.', default: true, toggle: on() },
  { path: 'observability.p99LatencySeconds', type: 'number', description: 'p99 tool-call latency SLO, seconds: a bucket bound of the latency histogram.', default: 1, schema: { enum: [...TOOL_DURATION_BUCKETS] }, sentinel: 0.3, embeddable: true, probes: [0.5, 2.5] },
  { path: 'observability.otelCollector', type: 'boolean', description: 'Run an OpenTelemetry collector (config, Deployment, Service) that the runtime sends its traces to.', default: true, toggle: on() },
  { path: 'observability.dashboardLabel', type: 'string', description: "Label Grafana's dashboard sidecar watches.", default: 'grafana_dashboard', schema: { pattern: LABEL_KEY }, sentinel: 'auto', probes: ['example.com/dashboard'] },

  { path: 'storageClass.create', type: 'boolean', description: 'Create an encrypted StorageClass for the data volumes (the Pulumi stacks create their own).', default: false, toggle: on() },
  { path: 'storageClass.name', type: 'string', description: 'Its name.', default: DEFAULT_STORAGE_CLASS_NAME, schema: dnsName, sentinel: 'auto', probes: ['encrypted'] },
  { path: 'storageClass.provisioner', type: 'string', description: 'CSI provisioner.', default: 'ebs.csi.aws.com', schema: { minLength: 1 }, sentinel: 'auto', probes: ['pd.csi.storage.gke.io'] },
  { path: 'storageClass.reclaimPolicy', type: 'string', description: 'Retain keeps volumes whose claim is deleted.', default: 'Retain', schema: { enum: ['Retain', 'Delete'] }, sentinel: 'auto', probes: ['Delete'] },
  { path: 'storageClass.allowVolumeExpansion', type: 'boolean', description: 'Allow growing volumes.', default: true, toggle: on() },
];

const q = DEFAULT_TENANT_QUOTAS;
const l = DEFAULT_TENANT_LIMITS;
const quota = (k: keyof typeof q, description: string, min = 1): Knob => ({ path: `quotas.${k}`, type: 'integer', description, default: q[k] as number, schema: int(min), sentinel: 'auto', probes: [min, 7] });
const size = (path: string, description: string, d: string | number): Knob => ({ path, type: 'quantity', description, default: d, sentinel: 'auto', probes: ['3Gi', '750m'] });

/** One item of `.Values.tenants`; absent keys take the constructs' defaults. */
export const TENANT_KNOBS: readonly Knob[] = [
  {
    // The platform's one tenant-id rule (@debug-host/rules): the pattern carries the lengths
    // too, minLength and maxLength make the schema's refusal say which one.
    path: 'name', type: 'string', description: `Tenant id (${TENANT_ID_DESCRIPTION}); its namespace is tenant-<name>.`,
    schema: { pattern: TENANT_ID_RULE.source, minLength: TENANT_ID_MIN_LENGTH, maxLength: TENANT_ID_MAX_LENGTH }, sentinel: 'auto',
    probes: ['a'.repeat(TENANT_ID_MIN_LENGTH), 'with-dash', 'x'.repeat(TENANT_ID_MAX_LENGTH)],
  },
  {
    path: 'displayName', type: 'string', description: 'Human-readable name (an annotation). Default: the name.', sentinel: 'auto', probes: ['Acme Corp', 'Ünïcode "quoted" <&> {{ braces }} 100%'],
    expr: { go: 'dig "displayName" $t.name $t', ts: (v, c) => (v === undefined ? (c.tenantName ?? null) : v) },
  },
  quota('containers', 'Projects running at once (ResourceQuota pods).'),
  quota('ports', 'Ports leased at once (ResourceQuota services).'),
  size('quotas.memory', 'Memory across running projects.', q.memory),
  size('quotas.cpu', 'CPU across running projects (cores or a quantity).', q.cpu),
  size('quotas.storage', 'Storage for logs and workspaces.', q.storage),
  quota('persistentVolumeClaims', 'PersistentVolumeClaims at once.', 0),
  quota('configMaps', 'ConfigMaps at once.'),
  quota('secrets', 'Secrets at once.'),
  size('limits.defaultCpu', 'Default cpu limit of a container.', l.defaultCpu),
  size('limits.defaultMemory', 'Default memory limit of a container.', l.defaultMemory),
  size('limits.defaultRequestCpu', 'Default cpu request of a container.', l.defaultRequestCpu),
  size('limits.defaultRequestMemory', 'Default memory request of a container.', l.defaultRequestMemory),
  size('limits.maxCpu', 'Largest cpu limit of one container.', l.maxCpu),
  size('limits.maxMemory', 'Largest memory limit of one container.', l.maxMemory),
  { path: 'allowSameNamespace', type: 'boolean', description: "Let the tenant's own pods reach each other.", default: false, toggle: on() },
];

/** Positive quantity: a string matching QUANTITY, or a positive number (written `cpu: 2`). */
export const QUANTITY_SCHEMA = { type: ['string', 'number'], pattern: QUANTITY, exclusiveMinimum: 0, maximum: 100_000 } as const;
