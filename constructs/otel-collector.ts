import type { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResourceProps } from './common.js';
import { componentLabels } from './labels.js';
import { requireInt } from './validation.js';

/**
 * The collector release the Deployment runs. scripts/otelcol/build.sh builds the same release
 * from Go modules, and test/integration/otel-collector-config.test.ts validates the emitted
 * config with that build: a config this construct writes is one this image accepts.
 */
export const OTELCOL_VERSION = '0.161.0';
/** OTLP/gRPC, OTLP/HTTP and the health_check extension's port. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
export const COLLECTOR_HEALTH_PORT = 13133;
/** The contrib image's user (its Dockerfile's USER). */
const COLLECTOR_UID = 10001;

export interface OtelCollectorProps {
  readonly namespace: string;
  /** The collector's name (Deployment, Service, ConfigMap). */
  readonly name: string;
  /** The collector's configuration (receivers, processors, exporters, service). */
  readonly config: Record<string, unknown>;
  /** @default `otel/opentelemetry-collector-contrib:${OTELCOL_VERSION}` */
  readonly image?: string;
  /** @default 1 */
  readonly replicas?: number;
  /** @default - 100m/256Mi requested, 1 cpu/512Mi limit (the config's memory_limiter keeps it under 80 % of that) */
  readonly resources?: ResourceProps;
  /** Labels added to every object. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * An OpenTelemetry collector: its config as a ConfigMap, a Deployment that runs it (non-root,
 * read-only root filesystem, no ServiceAccount token: the config needs no API access), and the
 * Service runtimes send OTLP to. Escape hatch: `configMap`, `deployment`, `service`.
 *
 * @see https://opentelemetry.io/docs/collector/deployment/gateway/
 */
export class OtelCollector extends Construct {
  readonly configMap: ApiObject;
  readonly deployment: ApiObject;
  readonly service: ApiObject;
  /** OTLP/HTTP endpoint of the Service, e.g. `http://debug-host-otel-collector.debug-host.svc:4318`. */
  readonly otlpHttpEndpoint: string;

  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const { name, namespace } = props;
    const replicas = requireInt('OtelCollector', 'replicas', props.replicas ?? 1, 1);
    const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
    const labels = { ...(props.labels ?? {}), ...componentLabels(name, 'observability'), ...selector };
    const metadata = { name, namespace, labels };
    const qty = k8s.Quantity.fromString;
    const port = k8s.IntOrString.fromNumber;
    const r = props.resources ?? {};
    this.otlpHttpEndpoint = `http://${name}.${namespace}.svc:${OTLP_HTTP_PORT}`;

    this.configMap = new k8s.KubeConfigMap(this, 'Config', { metadata, data: { 'config.yaml': JSON.stringify(props.config, null, 2) } });
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: COLLECTOR_UID, runAsGroup: COLLECTOR_UID, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'otelcol',
                image: props.image ?? `otel/opentelemetry-collector-contrib:${OTELCOL_VERSION}`,
                imagePullPolicy: 'IfNotPresent',
                args: ['--config=/conf/config.yaml'],
                ports: [
                  { name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT, protocol: 'TCP' },
                  { name: 'otlp-http', containerPort: OTLP_HTTP_PORT, protocol: 'TCP' },
                  { name: 'health', containerPort: COLLECTOR_HEALTH_PORT, protocol: 'TCP' },
                ],
                resources: {
                  requests: { cpu: qty(r.cpuRequest ?? '100m'), memory: qty(r.memoryRequest ?? '256Mi') },
                  limits: { cpu: qty(r.cpuLimit ?? '1'), memory: qty(r.memoryLimit ?? '512Mi') },
                },
                livenessProbe: { httpGet: { path: '/', port: port(COLLECTOR_HEALTH_PORT) }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/', port: port(COLLECTOR_HEALTH_PORT) }, periodSeconds: 5 },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  privileged: false,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          { name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: port(OTLP_GRPC_PORT), protocol: 'TCP', appProtocol: 'grpc' },
          { name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: port(OTLP_HTTP_PORT), protocol: 'TCP', appProtocol: 'http' },
        ],
      },
    });
  }
}
