/**
 * The chart's values and their one mapping onto the constructs' DebugHostPlatformConfig
 * (`configFromValues`), with its inverse for the reference environments (`valuesFromConfig`,
 * which fails on a config field the chart has no value for). The generator synthesizes
 * through `configFromValues` only, so the chart can express nothing the mapping does not.
 */
import type { DebugHostPlatformConfig } from '../../constructs/platform.js';
import type { TenantProps } from '../../constructs/tenant.js';

export interface SecretRefValues {
  name: string;
  key: string;
}

export interface TenantValues {
  name: string;
  displayName?: string;
  quotas?: Partial<Record<'containers' | 'ports' | 'persistentVolumeClaims' | 'configMaps' | 'secrets', number>> & { memory?: string; cpu?: string | number; storage?: string };
  limits?: Partial<Record<'defaultCpu' | 'defaultMemory' | 'defaultRequestCpu' | 'defaultRequestMemory' | 'maxCpu' | 'maxMemory', string>>;
  allowSameNamespace?: boolean;
}

export interface ChartValues {
  environment: string;
  domain: string;
  namespace: string;
  createNamespace: boolean;
  tenantNamespaces: boolean;
  image: { repository: string; tag: string; digest: string; pullPolicy: string };
  autoscaling: {
    autoscaler: 'hpa' | 'keda';
    minReplicas: number;
    maxReplicas: number;
    cpuUtilization: number;
    memoryUtilization: number;
    activeContainersPerPod: number;
    scaleDownStabilizationSeconds: number;
    prometheusAddress: string;
  };
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  podDisruptionBudget: { maxUnavailable: number };
  topologyKey: string;
  serviceMonitor: { enabled: boolean };
  auth: { jwksUrl: string; jwtSecret: SecretRefValues; clusterSecret: SecretRefValues };
  database: { existingSecret: SecretRefValues };
  postgres: {
    enabled: boolean;
    instances: number;
    storageSize: string;
    storageClass: string;
    imageName: string;
    poolerInstances: number;
    declareTenantSchemas: boolean;
    backup: { destinationPath: string; credentialsSecret: string; schedule: string; retention: string };
    replica: { enabled: boolean; destinationPath: string };
  };
  redis: {
    enabled: boolean;
    replicasPerPrimary: number;
    image: string;
    storageSize: string;
    storageClass: string;
    memory: string;
    passwordSecret: SecretRefValues;
  };
  kafka: {
    enabled: boolean;
    version: string;
    controllers: number;
    brokers: number;
    brokerStorageSize: string;
    controllerStorageSize: string;
    storageClass: string;
    runtimeListener: boolean;
    tenantQuotas: { producerByteRate: number; consumerByteRate: number; requestPercentage: number };
  };
  gateway: { enabled: boolean; gatewayClassName: string; clusterIssuer: string; tenantHeader: string };
  observability: { enabled: boolean; p99LatencySeconds: number; otelCollector: boolean; dashboardLabel: string };
  storageClass: { create: boolean; name: string; provisioner: string; reclaimPolicy: 'Retain' | 'Delete'; allowVolumeExpansion: boolean };
  tenants: TenantValues[];
}

/** `repository:tag` (the chart's appVersion when tag is empty) or `repository@digest`. */
export function imageRef(image: ChartValues['image'], appVersion: string): string {
  return image.digest ? `${image.repository}@${image.digest}` : `${image.repository}:${image.tag || appVersion}`;
}

const opt = (s: string): string | undefined => (s === '' ? undefined : s);

/** Drops undefined keys (recursively), so the constructs' `{ ...defaults, ...props }` keep their defaults. */
function clean<T>(o: T): T {
  if (Array.isArray(o)) return o.map(clean) as T;
  if (o === null || typeof o !== 'object') return o;
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
}

export function tenantProps(t: TenantValues): TenantProps {
  return clean({ name: t.name, displayName: t.displayName, quotas: t.quotas && { ...t.quotas }, limits: t.limits && { ...t.limits }, allowSameNamespace: t.allowSameNamespace });
}

/** The constructs' config for these values: what `helm template` must render the objects of. */
export function configFromValues(v: ChartValues, appVersion: string): DebugHostPlatformConfig {
  const ref = (r: SecretRefValues) => ({ name: r.name, key: r.key });
  const pg = v.postgres;
  return clean({
    environment: v.environment,
    domain: v.domain,
    namespace: v.namespace,
    createNamespace: v.createNamespace,
    tenantNamespaces: v.tenantNamespaces,
    storageClass: v.storageClass.create
      ? { name: v.storageClass.name, provisioner: v.storageClass.provisioner, reclaimPolicy: v.storageClass.reclaimPolicy, allowVolumeExpansion: v.storageClass.allowVolumeExpansion }
      : false,
    debugHost: {
      image: imageRef(v.image, appVersion),
      imagePullPolicy: v.image.pullPolicy as 'IfNotPresent',
      autoscaling: { ...v.autoscaling },
      resources: {
        cpuRequest: String(v.resources.requests.cpu),
        memoryRequest: String(v.resources.requests.memory),
        cpuLimit: String(v.resources.limits.cpu),
        memoryLimit: String(v.resources.limits.memory),
      },
      maxUnavailableDuringDisruption: v.podDisruptionBudget.maxUnavailable,
      topologyKey: v.topologyKey,
      serviceMonitor: v.serviceMonitor.enabled,
      ...(v.auth.jwksUrl ? { jwksUrl: v.auth.jwksUrl, clusterSecret: ref(v.auth.clusterSecret) } : { jwtSecret: ref(v.auth.jwtSecret) }),
      ...(pg.enabled ? {} : { databaseUrlSecret: ref(v.database.existingSecret) }),
    },
    postgres: pg.enabled
      ? {
          instances: pg.instances,
          storageSize: String(pg.storageSize),
          storageClass: opt(pg.storageClass),
          imageName: pg.imageName,
          poolerInstances: pg.poolerInstances,
          declareTenantSchemas: pg.declareTenantSchemas,
          backupDestinationPath: opt(pg.backup.destinationPath),
          backupCredentialsSecret: opt(pg.backup.credentialsSecret),
          backupSchedule: pg.backup.schedule,
          backupRetention: pg.backup.retention,
          replica: pg.replica.enabled ? { destinationPath: pg.replica.destinationPath } : undefined,
        }
      : false,
    redis: v.redis.enabled
      ? {
          replicasPerPrimary: v.redis.replicasPerPrimary,
          image: v.redis.image,
          storageSize: String(v.redis.storageSize),
          storageClass: opt(v.redis.storageClass),
          memory: String(v.redis.memory),
          passwordSecret: ref(v.redis.passwordSecret),
        }
      : false,
    kafka: v.kafka.enabled
      ? {
          version: opt(v.kafka.version),
          controllers: v.kafka.controllers,
          brokers: v.kafka.brokers,
          brokerStorageSize: String(v.kafka.brokerStorageSize),
          controllerStorageSize: String(v.kafka.controllerStorageSize),
          storageClass: opt(v.kafka.storageClass),
          runtimeListener: v.kafka.runtimeListener,
          tenantQuotas: { ...v.kafka.tenantQuotas },
        }
      : false,
    gateway: v.gateway.enabled ? { gatewayClassName: v.gateway.gatewayClassName, clusterIssuer: v.gateway.clusterIssuer, tenantHeader: v.gateway.tenantHeader } : false,
    observability: v.observability.enabled
      ? { p99LatencySeconds: v.observability.p99LatencySeconds, otelCollector: v.observability.otelCollector, dashboardLabel: v.observability.dashboardLabel }
      : false,
    tenants: v.tenants.map(tenantProps),
  } satisfies DebugHostPlatformConfig);
}

type Obj = Record<string, unknown>;

/** Copies `from`'s keys onto `to`, renamed by `map` (config key -> values key); any other key is an error. */
function take(where: string, from: unknown, to: Obj, map: Record<string, string>): void {
  if (from === undefined) return;
  for (const [k, v] of Object.entries(from as Obj)) {
    if (v === undefined) continue;
    const target = map[k];
    if (target === undefined) throw new Error(`chart: ${where}.${k} has no chart value (the chart cannot express this config): add one in scripts/chart/values.ts and knobs.ts`);
    if (target !== '') to[target] = v;
  }
}

const same = (...keys: string[]): Record<string, string> => Object.fromEntries(keys.map((k) => [k, k]));

/** The values (over `defaults`) that make the chart render `config`'s objects. */
export function valuesFromConfig(config: DebugHostPlatformConfig, defaults: ChartValues, appVersion: string): ChartValues {
  const v = structuredClone(defaults);
  const c = config as unknown as Obj;
  take('config', c, v as unknown as Obj, {
    ...same('environment', 'domain', 'namespace', 'createNamespace', 'tenantNamespaces'),
    storageClass: '', debugHost: '', postgres: '', redis: '', kafka: '', gateway: '', observability: '', tenants: '',
  });
  if (config.storageClass) {
    v.storageClass.create = true;
    take('storageClass', config.storageClass, v.storageClass, same('name', 'provisioner', 'reclaimPolicy', 'allowVolumeExpansion'));
  }
  const d = config.debugHost ?? {};
  take('debugHost', d, {}, { ...same('autoscaling', 'resources', 'jwksUrl', 'jwtSecret', 'clusterSecret', 'databaseUrlSecret', 'topologyKey'), image: '', imagePullPolicy: '', maxUnavailableDuringDisruption: '', serviceMonitor: '' });
  if (d.image) {
    const at = d.image.indexOf('@');
    const colon = d.image.lastIndexOf(':');
    v.image = at >= 0 ? { ...v.image, repository: d.image.slice(0, at), digest: d.image.slice(at + 1) } : { ...v.image, repository: d.image.slice(0, colon), tag: d.image.slice(colon + 1) === appVersion ? '' : d.image.slice(colon + 1) };
  }
  if (d.imagePullPolicy) v.image.pullPolicy = d.imagePullPolicy;
  take('debugHost.autoscaling', d.autoscaling, v.autoscaling, same(...Object.keys(v.autoscaling)));
  take('debugHost.resources', d.resources, {}, same('cpuRequest', 'memoryRequest', 'cpuLimit', 'memoryLimit'));
  if (d.resources?.cpuRequest) v.resources.requests.cpu = d.resources.cpuRequest;
  if (d.resources?.memoryRequest) v.resources.requests.memory = d.resources.memoryRequest;
  if (d.resources?.cpuLimit) v.resources.limits.cpu = d.resources.cpuLimit;
  if (d.resources?.memoryLimit) v.resources.limits.memory = d.resources.memoryLimit;
  if (d.maxUnavailableDuringDisruption !== undefined) v.podDisruptionBudget.maxUnavailable = d.maxUnavailableDuringDisruption;
  if (d.topologyKey) v.topologyKey = d.topologyKey;
  if (d.serviceMonitor !== undefined) v.serviceMonitor.enabled = d.serviceMonitor;
  if (d.jwksUrl) v.auth.jwksUrl = d.jwksUrl;
  if (d.jwtSecret) v.auth.jwtSecret = { ...d.jwtSecret };
  if (d.clusterSecret) {
    // With a JWT secret the replicas sign with it; the chart reads its own cluster secret with JWKS only.
    if (!d.jwksUrl) throw new Error("debugHost.clusterSecret: the chart reads it only with debugHost.jwksUrl (with jwtSecret, that secret signs forwarded calls); drop it, or use the constructs directly.");
    v.auth.clusterSecret = { ...d.clusterSecret };
  }
  if (d.databaseUrlSecret) v.database.existingSecret = { ...d.databaseUrlSecret };

  if (config.postgres === false) v.postgres.enabled = false;
  else if (config.postgres) {
    const p = config.postgres;
    take('postgres', p, v.postgres, { ...same('instances', 'storageSize', 'storageClass', 'imageName', 'poolerInstances', 'declareTenantSchemas'), backupDestinationPath: '', backupCredentialsSecret: '', backupSchedule: '', backupRetention: '', replica: '' });
    v.postgres.backup = { destinationPath: p.backupDestinationPath ?? '', credentialsSecret: p.backupCredentialsSecret ?? '', schedule: p.backupSchedule ?? v.postgres.backup.schedule, retention: p.backupRetention ?? v.postgres.backup.retention };
    if (p.replica) {
      take('postgres.replica', p.replica, {}, same('destinationPath'));
      v.postgres.replica = { enabled: true, destinationPath: p.replica.destinationPath };
    }
  }
  if (config.redis === false) v.redis.enabled = false;
  else take('redis', config.redis, v.redis, same('replicasPerPrimary', 'image', 'storageSize', 'storageClass', 'memory', 'passwordSecret'));
  if (config.kafka === false) v.kafka.enabled = false;
  else {
    take('kafka', config.kafka, v.kafka, same('version', 'controllers', 'brokers', 'brokerStorageSize', 'controllerStorageSize', 'storageClass', 'runtimeListener', 'tenantQuotas'));
    v.kafka.tenantQuotas = { ...defaults.kafka.tenantQuotas, ...(config.kafka?.tenantQuotas ?? {}) };
  }
  if (config.gateway === false) v.gateway.enabled = false;
  else take('gateway', config.gateway, v.gateway, same('gatewayClassName', 'clusterIssuer', 'tenantHeader'));
  if (config.observability === false) v.observability.enabled = false;
  else take('observability', config.observability, v.observability, same('p99LatencySeconds', 'otelCollector', 'dashboardLabel'));

  v.tenants = (config.tenants ?? []).map((t, i) => {
    const out: Obj = {};
    take(`tenants[${i}]`, t, out, same('name', 'displayName', 'quotas', 'limits', 'allowSameNamespace'));
    return structuredClone(out) as unknown as TenantValues;
  });
  return v;
}
