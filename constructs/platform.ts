import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DebugHost, type DebugHostProps } from './debug-host.js';
import { Gateway, type GatewayProps } from './gateway.js';
import { EncryptedStorageClass, type EncryptedStorageClassProps } from './encrypted-storage-class.js';
import { Kafka, type KafkaProps } from './kafka.js';
import { ENVIRONMENT_LABEL, componentLabels, podSecurityLabels } from './labels.js';
import { collectorOtlpEndpoint, Observability, type ObservabilityProps } from './observability.js';
import { PostgresHA, type PostgresHAProps } from './postgres-ha.js';
import { RedisCluster, type RedisClusterProps } from './redis-cluster.js';
import { Tenant, type TenantProps } from './tenant.js';
import { ConstructPropsError, requireDnsLabel, requireDnsName, requireTenantId, requireUnique } from './validation.js';

/**
 * One environment of the platform, from one typed config. Every part shares the platform
 * namespace; `false` leaves a part out (e.g. `kafka: false` in dev).
 */
export interface DebugHostPlatformConfig {
  /** Environment name (dev, staging, prod, ...): a DNS label, set as a label on every object. */
  readonly environment: string;
  /** Base domain; tenants are served at `<tenant>.<domain>`. */
  readonly domain: string;
  /** Namespace of the runtime and its data services. @default 'debug-host' */
  readonly namespace?: string;
  /** Emit the platform Namespace object (Pod Security enforce baseline, warn/audit restricted). @default true */
  readonly createNamespace?: boolean;
  /** @default {} (all DebugHost defaults) */
  readonly debugHost?: Omit<DebugHostProps, 'namespace'>;
  /** CloudNativePG Postgres; `false` to use an external database. @default {} */
  readonly postgres?: Omit<PostgresHAProps, 'namespace' | 'tenantSchemas'> | false;
  /** Redis Cluster; `false` to run without Redis (local caches). @default {} */
  readonly redis?: Omit<RedisClusterProps, 'namespace'> | false;
  /** Strimzi Kafka; `false` to keep events in the outbox only. @default {} */
  readonly kafka?: Omit<KafkaProps, 'namespace' | 'tenants'> | false;
  /**
   * An encrypted StorageClass for the data services, where the cluster has none.
   * @default false (the Pulumi stacks create their own with the environment's KMS key)
   */
  readonly storageClass?: EncryptedStorageClassProps | false;
  /** Gateway API ingress; `false` for none. @default {} */
  readonly gateway?: Omit<GatewayProps, 'namespace' | 'domain' | 'tenants'> | false;
  /** Monitoring rules and dashboards; `false` for none. @default {} */
  readonly observability?: Omit<ObservabilityProps, 'namespace' | 'tenants'> | false;
  /** Tenants: hosts, Kafka users, schemas and (see `tenantNamespaces`) their namespaces. @default [] */
  readonly tenants?: readonly TenantProps[];
  /**
   * Also emit each tenant's `Tenant` objects (namespace, quota, policies, roles). Set false
   * when each tenant is deployed on its own (the Pulumi TenantStack does). @default true
   */
  readonly tenantNamespaces?: boolean;
}

/**
 * The whole platform for one environment: DebugHost, PostgresHA, RedisCluster, Kafka,
 * Gateway, Observability and one Tenant per tenant, wired together (service names, Secret
 * references, tenant lists). Each part is a public field for escape hatches; `apiObjects`
 * lists every object emitted.
 */
export class DebugHostPlatform extends Construct {
  readonly environment: string;
  readonly namespaceName: string;
  readonly namespace: ApiObject | undefined;
  readonly debugHost: DebugHost;
  readonly postgres: PostgresHA | undefined;
  readonly redis: RedisCluster | undefined;
  readonly kafka: Kafka | undefined;
  readonly storageClass: EncryptedStorageClass | undefined;
  readonly gateway: Gateway | undefined;
  readonly observability: Observability | undefined;
  readonly tenants: readonly Tenant[];

  constructor(scope: Construct, id: string, config: DebugHostPlatformConfig) {
    super(scope, id);
    const C = 'DebugHostPlatform';
    if (config === undefined || config === null || typeof config !== 'object') {
      throw new ConstructPropsError(C, 'config', 'config is missing', 'Pass { environment: "dev", domain: "debug-host.example.com" }.');
    }
    this.environment = requireDnsLabel(C, 'environment', config.environment);
    const domain = requireDnsName(C, 'domain', config.domain);
    const ns = requireDnsLabel(C, 'namespace', config.namespace ?? 'debug-host');
    if (ns.startsWith('tenant-')) {
      throw new ConstructPropsError(C, 'namespace', `"${ns}" is reserved for tenants`, 'Use a namespace that does not start with "tenant-", e.g. "debug-host".');
    }
    this.namespaceName = ns;
    const tenants = config.tenants ?? [];
    // Here, before the Postgres, Kafka and Gateway constructs refuse the name by their own props.
    for (const t of tenants) requireTenantId(C, 'tenants[].name', t.name);
    requireUnique(C, 'tenants[].name', tenants.map((t) => t.name));
    const hostnames = tenants.map((t) => t.hostname ?? `${t.name}.${domain}`);
    requireUnique(C, 'tenants[].hostname', hostnames);
    const runtimeName = config.debugHost?.name ?? 'debug-host';

    this.namespace =
      config.createNamespace === false
        ? undefined
        : new k8s.KubeNamespace(this, 'Namespace', {
            metadata: {
              name: ns,
              labels: { ...componentLabels('debug-host', 'platform'), ...podSecurityLabels('baseline', 'v1.28', 'restricted') },
            },
          });

    this.storageClass = config.storageClass ? new EncryptedStorageClass(this, 'StorageClass', config.storageClass) : undefined;
    this.postgres = config.postgres === false ? undefined : new PostgresHA(this, 'Postgres', { ...config.postgres, namespace: ns, tenantSchemas: tenants.map((t) => t.name) });
    this.redis = config.redis === false ? undefined : new RedisCluster(this, 'Redis', { ...config.redis, namespace: ns });
    this.kafka = config.kafka === false ? undefined : new Kafka(this, 'Kafka', { runtimePodSelector: { 'app.kubernetes.io/name': runtimeName }, ...config.kafka, namespace: ns, tenants: tenants.map((t) => t.name) });

    this.debugHost = new DebugHost(this, 'DebugHost', {
      ...(this.postgres ? { databaseUrlSecret: { name: this.postgres.appSecretName, key: 'uri' } } : {}),
      ...(this.redis ? { redisAddress: `${this.redis.host}:${this.redis.port}`, redisPasswordSecret: this.redis.passwordSecret, redisCluster: true } : {}),
      ...(this.kafka ? { kafkaBrokers: this.kafka.bootstrapServers } : {}),
      // Traces go to the collector the Observability declares (its config, its Service name).
      ...(config.observability !== false && config.observability?.otelCollector !== false ? { otlpEndpoint: collectorOtlpEndpoint(config.observability?.name ?? 'debug-host', ns) } : {}),
      ...config.debugHost,
      namespace: ns,
    });

    this.gateway =
      config.gateway === false
        ? undefined
        : new Gateway(this, 'Gateway', {
            serviceName: runtimeName,
            ...config.gateway,
            domain,
            namespace: ns,
            tenants: tenants.map((t, i) => ({ name: t.name, hostname: hostnames[i] })),
          });
    this.observability =
      config.observability === false
        ? undefined
        : new Observability(this, 'Observability', { ...config.observability, namespace: ns, tenants: tenants.map((t) => ({ name: t.name, p99LatencySeconds: t.p99LatencySeconds })) });

    this.tenants =
      config.tenantNamespaces === false
        ? []
        : tenants.map(
            (t, i) =>
              new Tenant(this, `Tenant-${t.name}`, {
                runtimeNamespace: ns,
                runtimeServiceAccount: runtimeName,
                ...t,
                hostname: hostnames[i],
              }),
          );

    for (const obj of this.apiObjects) obj.metadata.addLabel(ENVIRONMENT_LABEL, this.environment);
  }

  /** Every ApiObject this platform emits (escape hatch: patch any of them). */
  get apiObjects(): ApiObject[] {
    return this.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  }
}
