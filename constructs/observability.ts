import type { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { modelObject } from './common.js';
import { globalDashboard, tenantDashboard } from './dashboards.js';
import { TENANT_LABEL, componentLabels } from './labels.js';
import { ConstructPropsError, requireDnsLabel, requireTenantId } from './validation.js';
import { BURN, requireLatencyObjective, sharedTenantSloGroups, tenantLatencyGroup, type TenantSloProps } from './tenant-slo.js';
import { COLLECTOR_HEALTH_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT, OtelCollector } from './otel-collector.js';

/** The name of the collector an Observability named `name` declares. */
const collectorName = (name: string) => `${name}-otel-collector`;

/** The OTLP/HTTP endpoint of the collector the Observability declares: its Service `<name>-otel-collector`. */
export function collectorOtlpEndpoint(name: string, namespace: string): string {
  return `http://${collectorName(name)}.${namespace}.svc:${OTLP_HTTP_PORT}`;
}

export interface ObservabilityProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** Name prefix. @default 'debug-host' */
  readonly name?: string;
  /** Availability SLO over 30 days, percent (0 < x < 100). @default 99.9 */
  readonly availabilityTarget?: number;
  /** p99 tool-call latency SLO, seconds. @default 1 */
  readonly p99LatencySeconds?: number;
  /**
   * Tenants: one Grafana dashboard and latency burn-rate alerts each (a tenant id, or its
   * id with its own p99 latency objective). @default []
   */
  readonly tenants?: ReadonlyArray<string | TenantSloProps>;
  /** Run an OpenTelemetry collector (config, Deployment, Service) that the runtimes send traces to. @default true */
  readonly otelCollector?: boolean;
  /** The collector's replicas. @default 1 */
  readonly collectorReplicas?: number;
  /** OTLP endpoint the collector exports to. @default - none: the collector's `debug` exporter */
  readonly otlpExportEndpoint?: string;
  /**
   * Tool-call outcomes that count against availability (the runtime labels calls `ok` or
   * with an error code; user errors such as invalid_input or quota_exceeded are not outages).
   * @default ['unavailable']
   */
  readonly serverErrorOutcomes?: readonly string[];
  /** Label Grafana's dashboard sidecar watches. @default 'grafana_dashboard' */
  readonly dashboardLabel?: string;
}

const WINDOWS = ['5m', '30m', '1h', '6h', '3d', '30d'] as const;

/**
 * Monitoring for the platform: a `PrometheusRule` with SLO recording rules and alerts
 * (availability 99.9 % with multi-window burn-rate alerts, globally and per tenant; p99
 * tool latency, globally and per tenant against each tenant's objective; runtime down), Grafana dashboards as ConfigMaps (one global, one per tenant)
 * and an OpenTelemetry collector (OtelCollector) for the runtimes' traces. Scraping is declared
 * beside each workload: the DebugHost ServiceMonitor and CloudNativePG's PodMonitors.
 *
 * Escape hatch: `prometheusRule`, `dashboards`, `collector`.
 *
 * @see https://sre.google/workbook/alerting-on-slos/ (multi-window, multi-burn-rate alerts)
 */
export class Observability extends Construct {
  readonly prometheusRule: ApiObject;
  /** Each tenant's latency alerts, one PrometheusRule per tenant (adding a tenant adds one, rewrites none). */
  readonly tenantRules: readonly ApiObject[];
  readonly dashboards: readonly ApiObject[];
  /** The collector's config ConfigMap (`collector.configMap`). */
  readonly otelConfig: ApiObject | undefined;
  readonly collector: OtelCollector | undefined;
  /** Where runtimes send traces (OTLP/HTTP): the collector Service this config is for. */
  readonly otlpEndpoint: string;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: ObservabilityProps = {}) {
    super(scope, id);
    const C = 'Observability';
    const ns = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    const name = requireDnsLabel(C, 'name', props.name ?? 'debug-host', 40);
    const target = props.availabilityTarget ?? 99.9;
    if (!(target > 0 && target < 100)) {
      throw new ConstructPropsError(C, 'availabilityTarget', `${String(target)} is not a percentage between 0 and 100 (exclusive)`, 'Use e.g. 99.9.');
    }
    const p99 = props.p99LatencySeconds ?? 1;
    if (!(p99 > 0)) {
      throw new ConstructPropsError(C, 'p99LatencySeconds', `${String(p99)} is not a positive number of seconds`, 'Use e.g. 1 (one second).');
    }
    this.otlpEndpoint = collectorOtlpEndpoint(name, ns);
    const tenants: TenantSloProps[] = (props.tenants ?? []).map((t) => (typeof t === 'string' ? { name: t } : t));
    for (const t of tenants) {
      requireTenantId(C, 'tenants[]', t.name);
      if (t.p99LatencySeconds !== undefined) requireLatencyObjective(C, `tenants[${t.name}].p99LatencySeconds`, t.p99LatencySeconds);
    }
    // Tenants without an objective of their own take the platform's, which then must be a bucket bound too.
    if (tenants.some((t) => t.p99LatencySeconds === undefined)) requireLatencyObjective(C, 'p99LatencySeconds', p99);
    const budget = Number((1 - target / 100).toPrecision(6));
    const labels = componentLabels(name, 'observability');
    const meta = (n: string, extra: Record<string, string> = {}) => ({ name: n, namespace: ns, labels: { ...labels, ...extra } });
    const calls = 'debug_host_tool_calls_total';
    const outcomes = props.serverErrorOutcomes ?? ['unavailable'];
    if (outcomes.length === 0 || outcomes.some((o) => !/^[a-z_]+$/.test(o))) {
      throw new ConstructPropsError(C, 'serverErrorOutcomes', `${JSON.stringify(outcomes)} is not a non-empty list of outcome codes`, 'Use runtime error codes such as ["unavailable"].');
    }
    const failed = `outcome=~"${outcomes.join('|')}"`;

    this.prometheusRule = modelObject<IPrometheusRule>(this, 'PrometheusRule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: meta(`${name}-slo`),
      spec: {
        groups: [
          {
            name: 'debug-host-slo-recording',
            interval: '30s',
            rules: WINDOWS.map((w) => ({
              record: `debug_host:tool_errors:ratio_rate${w}`,
              expr: `sum(rate(${calls}{${failed}}[${w}])) / clamp_min(sum(rate(${calls}[${w}])), 1e-9)`,
            })),
          },
          {
            name: 'debug-host-slo-alerts',
            rules: [
              ...BURN.map((b) => ({
                alert: b.severity === 'critical' ? 'DebugHostErrorBudgetBurnFast' : 'DebugHostErrorBudgetBurnSlow',
                expr: `debug_host:tool_errors:ratio_rate${b.long} > (${b.factor} * ${budget}) and debug_host:tool_errors:ratio_rate${b.short} > (${b.factor} * ${budget})`,
                for: b.for,
                labels: { severity: b.severity, slo: 'availability' },
                annotations: {
                  summary: `Debug Host is burning its ${target}% availability budget ${b.factor}x too fast (${b.long}/${b.short} windows).`,
                  description: 'Tool calls are failing; check the runtime logs and its dependencies (Postgres, Redis, Kafka).',
                },
              })),
              {
                alert: 'DebugHostLatencyP99High',
                // Refusals of a tenant over its rate limit are answered in microseconds: a flood of them would pull the p99 down.
                expr: `histogram_quantile(0.99, sum by (le) (rate(debug_host_tool_duration_seconds_bucket{outcome!="rate_limited"}[5m]))) > ${p99}`,
                for: '10m',
                labels: { severity: 'critical', slo: 'latency' },
                annotations: { summary: `Debug Host p99 tool latency is above ${p99}s.`, description: 'Check replica saturation (HPA at max?) and the store latency.' },
              },
              {
                alert: 'DebugHostTenantErrorRateHigh',
                expr: `sum by (tenant) (rate(${calls}{${failed}}[15m])) / clamp_min(sum by (tenant) (rate(${calls}[15m])), 1e-9) > ${Number((10 * budget).toPrecision(6))}`,
                for: '15m',
                labels: { severity: 'warning', slo: 'availability' },
                annotations: { summary: 'Tenant {{ $labels.tenant }} sees 10x the error budget rate of failed tool calls.', description: 'One tenant is failing: check its quota use, its projects and its schema.' },
              },
              {
                alert: 'DebugHostDown',
                expr: `absent(up{job="${name}"} == 1)`,
                for: '5m',
                labels: { severity: 'critical', slo: 'availability' },
                annotations: { summary: 'No Debug Host replica is up.', description: 'The ServiceMonitor finds no healthy runtime pod.' },
              },
            ],
          },
          ...sharedTenantSloGroups({ failed, budget, target }),
        ],
      },
    });

    this.tenantRules = tenants.map((t) =>
      modelObject<IPrometheusRule>(this, `TenantPrometheusRule-${t.name}`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta(`${name}-slo-tenant-${t.name}`, { [TENANT_LABEL]: t.name }),
        spec: { groups: [tenantLatencyGroup(t.name, t.p99LatencySeconds ?? p99)] },
      }),
    );

    const dashLabel = props.dashboardLabel ?? 'grafana_dashboard';
    const dashboard = (id: string, cmName: string, file: string, body: object, extra: Record<string, string> = {}) =>
      new k8s.KubeConfigMap(this, id, { metadata: meta(cmName, { [dashLabel]: '1', ...extra }), data: { [file]: JSON.stringify(body, null, 2) } });
    this.dashboards = [
      dashboard('GlobalDashboard', `${name}-dashboard-overview`, 'debug-host-overview.json', globalDashboard()),
      ...tenants.map(({ name: t }) => dashboard(`TenantDashboard-${t}`, `${name}-dashboard-tenant-${t}`, `debug-host-tenant-${t}.json`, tenantDashboard(t), { [TENANT_LABEL]: t })),
    ];

    const exporter = props.otlpExportEndpoint ? { otlp: { endpoint: props.otlpExportEndpoint } } : { debug: { verbosity: 'basic' } };
    const exporterNames = Object.keys(exporter);
    // Pod and namespace come from the runtime's own resource attributes (DebugHost sets
    // OTEL_RESOURCE_ATTRIBUTES), so the collector needs no read access to the API server.
    const pipeline = { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: exporterNames };
    const otel = {
      extensions: { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } },
      receivers: { otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } } },
      processors: { memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 20 }, batch: {} },
      exporters: exporter,
      service: { extensions: ['health_check'], pipelines: { traces: pipeline, metrics: pipeline, logs: pipeline } },
    };
    this.collector =
      props.otelCollector === false
        ? undefined
        : new OtelCollector(this, 'Collector', { namespace: ns, name: collectorName(name), config: otel, replicas: props.collectorReplicas ?? 1 });
    this.otelConfig = this.collector?.configMap;

    this.apiObjects = [this.prometheusRule, ...this.tenantRules, ...this.dashboards, ...(this.collector ? [this.collector.configMap, this.collector.deployment, this.collector.service] : [])];
  }
}
