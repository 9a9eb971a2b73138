import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResourceProps, SecretKeyRef } from './common.js';

/** HPA bounds and targets (the seed's: min 3, max 20, cpu 70%, memory 80%, 10 active containers per pod). */
export interface DebugHostAutoscalingProps {
  /** @default 3 */
  readonly minReplicas?: number;
  /** @default 20 */
  readonly maxReplicas?: number;
  /** Average cpu utilisation target, percent of requests. @default 70 */
  readonly cpuUtilization?: number;
  /** Average memory utilisation target, percent of requests. @default 80 */
  readonly memoryUtilization?: number;
  /** Average `active_containers_per_pod` target (a Pods metric served by prometheus-adapter or KEDA). @default 10 */
  readonly activeContainersPerPod?: number;
  /** Seconds the HPA waits before scaling down (damped scale-down). @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
}

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
  /** Kafka bootstrap servers, exposed as DEBUG_HOST_KAFKA_BROKERS. @default - none: events stay in the outbox */
  readonly kafkaBrokers?: string;
  /** JWKS URL for tenant tokens (DEBUG_HOST_JWKS_URL); set this or `jwtSecret`. @default - none: `jwtSecret` is used */
  readonly jwksUrl?: string;
  /** Secret key holding the shared JWT secret (DEBUG_HOST_JWT_SECRET). @default { name: 'debug-host-jwt', key: 'secret' } unless `jwksUrl` is set */
  readonly jwtSecret?: SecretKeyRef;
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

/** The debug-host runtime. (Being filled in: emits nothing yet.) */
export class DebugHost extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, props: DebugHostProps = {}) {
    super(scope, id);
    this.name = props.name ?? 'debug-host';
    this.namespaceName = props.namespace ?? 'debug-host';
  }
}
