import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Kafka as StrimziKafka,
  KafkaNodePool,
  KafkaNodePoolSpecRoles,
  KafkaNodePoolSpecStorageType,
  KafkaSpecKafkaAuthorizationType,
  KafkaSpecKafkaListenersAuthenticationType,
  KafkaSpecKafkaListenersType,
  KafkaTopic,
  KafkaUser,
  KafkaUserSpecAuthenticationType,
  KafkaUserSpecAuthorizationAclsOperations as Op,
  KafkaUserSpecAuthorizationAclsResourcePatternType as Pattern,
  KafkaUserSpecAuthorizationAclsResourceType as Res,
  type KafkaUserSpecAuthorizationAcls,
  KafkaUserSpecAuthorizationType,
} from './imports/strimzi-kafka.strimzi.io.js';
import { componentLabels } from './labels.js';
import { ConstructPropsError, requireDnsLabel, requireInt, requireQuantity, requireTenantId, requireUnique } from './validation.js';

/** Byte-rate and request quotas of one tenant's KafkaUser. */
export interface KafkaTenantQuotaProps {
  /** Bytes per second the tenant may produce, per broker. @default 1048576 (1 MiB/s) */
  readonly producerByteRate?: number;
  /** Bytes per second the tenant may consume, per broker. @default 2097152 (2 MiB/s) */
  readonly consumerByteRate?: number;
  /** Share of broker request-handler time, percent. @default 25 */
  readonly requestPercentage?: number;
}

/** A platform topic. */
export interface KafkaTopicProps {
  /** Topic name. */
  readonly name: string;
  /** @default 12 */
  readonly partitions?: number;
  /** Retention in milliseconds. @default 604800000 (7 days) */
  readonly retentionMs?: number;
}

export interface KafkaProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** Strimzi Kafka name. @default 'debug-host-kafka' */
  readonly name?: string;
  /** Kafka version. @default - the operator's default (its latest supported version) */
  readonly version?: string;
  /** KRaft controllers (odd, for quorum). @default 3 */
  readonly controllers?: number;
  /** @default 3 */
  readonly brokers?: number;
  /** @default '50Gi' */
  readonly brokerStorageSize?: string;
  /** @default '10Gi' */
  readonly controllerStorageSize?: string;
  /** @default - the cluster's default StorageClass */
  readonly storageClass?: string;
  /** Platform topics. @default - lifecycle, usage, audit, logs and scaling (see DEFAULT_KAFKA_TOPICS) */
  readonly topics?: readonly KafkaTopicProps[];
  /** Tenant ids: a KafkaUser each, with ACLs on `tenant.<id>.` topics and groups only. @default [] */
  readonly tenants?: readonly string[];
  /** Quotas of every tenant's KafkaUser. @default - see KafkaTenantQuotaProps */
  readonly tenantQuotas?: KafkaTenantQuotaProps;
  /**
   * Add a plaintext listener on 9092 for the runtime (whose Kafka client speaks neither TLS
   * nor SASL yet): Strimzi's NetworkPolicy admits only pods matching `runtimePodSelector`,
   * and its anonymous principal is a super user. Set false once the runtime uses the
   * `debug-host` KafkaUser's certificates on 9093. @default true
   */
  readonly runtimeListener?: boolean;
  /** Pods admitted to the runtime listener. @default { 'app.kubernetes.io/name': 'debug-host' } */
  readonly runtimePodSelector?: Readonly<Record<string, string>>;
}

const DAY = 86_400_000;
/** Lifecycle (7 d), usage (30 d), audit (365 d), logs (3 d) and scaling (7 d) event topics. */
export const DEFAULT_KAFKA_TOPICS: readonly KafkaTopicProps[] = Object.freeze([
  { name: 'debug-host.lifecycle', partitions: 12, retentionMs: 7 * DAY },
  { name: 'debug-host.usage', partitions: 12, retentionMs: 30 * DAY },
  { name: 'debug-host.audit', partitions: 12, retentionMs: 365 * DAY },
  { name: 'debug-host.logs', partitions: 24, retentionMs: 3 * DAY },
  // One writer (the leader), one key: one partition keeps the decisions in order.
  { name: 'debug-host.scaling', partitions: 1, retentionMs: 7 * DAY },
]);

export const DEFAULT_KAFKA_TENANT_QUOTAS: Required<KafkaTenantQuotaProps> = Object.freeze({
  producerByteRate: 1_048_576,
  consumerByteRate: 2_097_152,
  requestPercentage: 25,
});

/** The topic (and consumer group) prefix a tenant owns: `tenant.<id>.`. */
export function tenantTopicPrefix(tenant: string): string {
  return `tenant.${tenant}.`;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Strimzi (API kafka.strimzi.io/v1) in KRaft mode: a `Kafka` with a TLS listener (mutual TLS
 * authentication, simple authorization), `KafkaNodePool`s for controllers and brokers, a
 * `KafkaTopic` per platform event stream, a `KafkaUser` for the runtime and one per tenant
 * whose ACLs cover only its own `tenant.<id>.` prefix, with byte-rate and request quotas.
 *
 * Escape hatch: `kafka`, `controllerPool`, `brokerPool`, `topics`, `runtimeUser`, `tenantUsers`.
 *
 * @see https://strimzi.io/docs/operators/latest/deploying (node pools, KRaft, User Operator ACLs and quotas)
 */
export class Kafka extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  /** What the runtime connects to: the runtime listener (9092) when enabled, else the TLS one. */
  readonly bootstrapServers: string;
  /** `<name>-kafka-bootstrap.<namespace>.svc:9093` (mutual TLS, ACLs). */
  readonly tlsBootstrapServers: string;
  /** KafkaUser (and its Secret of client certificates) used by the runtime. */
  readonly runtimeUserName: string;
  readonly kafka: ApiObject;
  readonly controllerPool: ApiObject;
  readonly brokerPool: ApiObject;
  readonly topics: readonly ApiObject[];
  readonly runtimeUser: ApiObject;
  readonly tenantUsers: readonly ApiObject[];
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: KafkaProps = {}) {
    super(scope, id);
    const C = 'Kafka';
    this.name = requireDnsLabel(C, 'name', props.name ?? 'debug-host-kafka', 40);
    this.namespaceName = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    const controllers = requireInt(C, 'controllers', props.controllers ?? 3, 1, 9);
    if (controllers % 2 === 0) {
      throw new ConstructPropsError(C, 'controllers', `${controllers} controllers cannot form a majority after one failure`, 'Use an odd number: 3 (or 5 for larger clusters).');
    }
    const brokers = requireInt(C, 'brokers', props.brokers ?? 3, 1);
    const brokerStorage = requireQuantity(C, 'brokerStorageSize', props.brokerStorageSize ?? '50Gi');
    const controllerStorage = requireQuantity(C, 'controllerStorageSize', props.controllerStorageSize ?? '10Gi');
    const topics = props.topics ?? DEFAULT_KAFKA_TOPICS;
    for (const t of topics) {
      if (!TOPIC_NAME.test(t.name)) {
        throw new ConstructPropsError(C, 'topics[].name', `${JSON.stringify(t.name)} is not a valid topic name`, 'Use letters, digits, ".", "_" and "-" (at most 249 characters).');
      }
      if (t.name.startsWith('tenant.')) {
        throw new ConstructPropsError(C, 'topics[].name', `"${t.name}" is inside the tenant prefix`, 'Platform topics must not start with "tenant." (that prefix belongs to tenants).');
      }
      requireInt(C, `topics[${t.name}].partitions`, t.partitions ?? 12, 1);
      requireInt(C, `topics[${t.name}].retentionMs`, t.retentionMs ?? 7 * DAY, 1);
    }
    requireUnique(C, 'topics[].name', topics.map((t) => t.name));
    const tenants = props.tenants ?? [];
    for (const t of tenants) requireTenantId(C, 'tenants[]', t);
    requireUnique(C, 'tenants', tenants);
    const q = { ...DEFAULT_KAFKA_TENANT_QUOTAS, ...(props.tenantQuotas ?? {}) };
    requireInt(C, 'tenantQuotas.producerByteRate', q.producerByteRate);
    requireInt(C, 'tenantQuotas.consumerByteRate', q.consumerByteRate);
    requireInt(C, 'tenantQuotas.requestPercentage', q.requestPercentage, 1, 100);

    const ns = this.namespaceName;
    const name = this.name;
    const runtimeListener = props.runtimeListener ?? true;
    const runtimePods = props.runtimePodSelector ?? { 'app.kubernetes.io/name': 'debug-host' };
    if (Object.keys(runtimePods).length === 0) {
      throw new ConstructPropsError(C, 'runtimePodSelector', 'an empty selector would admit every pod in the namespace', "Select the runtime's pods, e.g. { 'app.kubernetes.io/name': 'debug-host' }.");
    }
    this.tlsBootstrapServers = `${name}-kafka-bootstrap.${ns}.svc:9093`;
    this.bootstrapServers = runtimeListener ? `${name}-kafka-bootstrap.${ns}.svc:9092` : this.tlsBootstrapServers;
    this.runtimeUserName = `${name}-debug-host`;
    const replication = Math.min(3, brokers);
    const minIsr = Math.max(1, replication - 1);
    const labels = { ...componentLabels(name, 'events'), 'strimzi.io/cluster': name };
    const meta = (n: string) => ({ name: n, namespace: ns, labels });

    this.kafka = new StrimziKafka(this, 'Kafka', {
      metadata: meta(name),
      spec: {
        kafka: {
          ...(props.version ? { version: props.version } : {}),
          listeners: [
            { name: 'tls', port: 9093, type: KafkaSpecKafkaListenersType.INTERNAL, tls: true, authentication: { type: KafkaSpecKafkaListenersAuthenticationType.TLS } },
            ...(runtimeListener
              ? [{ name: 'runtime', port: 9092, type: KafkaSpecKafkaListenersType.INTERNAL, tls: false, networkPolicyPeers: [{ podSelector: { matchLabels: { ...runtimePods } } }] }]
              : []),
          ],
          authorization: { type: KafkaSpecKafkaAuthorizationType.SIMPLE, ...(runtimeListener ? { superUsers: ['User:ANONYMOUS'] } : {}) },
          config: {
            'auto.create.topics.enable': false,
            'default.replication.factor': replication,
            'min.insync.replicas': minIsr,
            'offsets.topic.replication.factor': replication,
            'transaction.state.log.replication.factor': replication,
            'transaction.state.log.min.isr': minIsr,
          },
          rack: { topologyKey: 'topology.kubernetes.io/zone' },
        },
        entityOperator: { topicOperator: {}, userOperator: {} },
      },
    });

    const pool = (id: string, poolName: string, role: KafkaNodePoolSpecRoles, replicas: number, size: string) =>
      new KafkaNodePool(this, id, {
        metadata: meta(poolName),
        spec: {
          replicas,
          roles: [role],
          storage: {
            type: KafkaNodePoolSpecStorageType.PERSISTENT_HYPHEN_CLAIM,
            size,
            deleteClaim: false,
            ...(props.storageClass ? { class: props.storageClass } : {}),
          },
        },
      });
    this.controllerPool = pool('ControllerPool', 'controller', KafkaNodePoolSpecRoles.CONTROLLER, controllers, controllerStorage);
    this.brokerPool = pool('BrokerPool', 'broker', KafkaNodePoolSpecRoles.BROKER, brokers, brokerStorage);

    this.topics = topics.map(
      (t) =>
        new KafkaTopic(this, `Topic-${t.name}`, {
          metadata: meta(t.name.replace(/[._]/g, '-').toLowerCase()),
          spec: {
            topicName: t.name,
            partitions: t.partitions ?? 12,
            replicas: replication,
            config: { 'retention.ms': t.retentionMs ?? 7 * DAY, 'min.insync.replicas': minIsr, 'cleanup.policy': 'delete' },
          },
        }),
    );

    const acl = (type: Res, resource: string, pattern: Pattern, operations: Op[]): KafkaUserSpecAuthorizationAcls => ({
      resource: { type, name: resource, patternType: pattern },
      operations,
    });
    this.runtimeUser = new KafkaUser(this, 'RuntimeUser', {
      metadata: meta(this.runtimeUserName),
      spec: {
        authentication: { type: KafkaUserSpecAuthenticationType.TLS },
        authorization: {
          type: KafkaUserSpecAuthorizationType.SIMPLE,
          acls: [
            acl(Res.TOPIC, 'debug-host.', Pattern.PREFIX, [Op.READ, Op.WRITE, Op.DESCRIBE]),
            acl(Res.TOPIC, 'tenant.', Pattern.PREFIX, [Op.WRITE, Op.DESCRIBE]),
            acl(Res.GROUP, 'debug-host', Pattern.PREFIX, [Op.READ]),
          ],
        },
      },
    });

    this.tenantUsers = tenants.map((t) => {
      const prefix = tenantTopicPrefix(t);
      return new KafkaUser(this, `TenantUser-${t}`, {
        metadata: { ...meta(`tenant-${t}`), labels: { ...labels, 'debug-host.io/tenant': t } },
        spec: {
          authentication: { type: KafkaUserSpecAuthenticationType.TLS },
          authorization: {
            type: KafkaUserSpecAuthorizationType.SIMPLE,
            acls: [
              acl(Res.TOPIC, prefix, Pattern.PREFIX, [Op.READ, Op.WRITE, Op.DESCRIBE]),
              acl(Res.GROUP, prefix, Pattern.PREFIX, [Op.READ]),
            ],
          },
          quotas: { producerByteRate: q.producerByteRate, consumerByteRate: q.consumerByteRate, requestPercentage: q.requestPercentage },
        },
      });
    });

    this.apiObjects = [this.kafka, this.controllerPool, this.brokerPool, ...this.topics, this.runtimeUser, ...this.tenantUsers];
  }
}
