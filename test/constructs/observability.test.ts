import { describe, expect, it } from 'vitest';
import { OTELCOL_VERSION, Observability, type ObservabilityProps } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const obs = (props: ObservabilityProps = {}) => synth((c) => new Observability(c, 'o', { tenants: ['acme'], ...props }));
/** Every rule of every PrometheusRule: the shared one, then one per tenant. */
const rules = (objs: ReturnType<typeof obs>) => all(objs, 'PrometheusRule').flatMap((p) => p.spec.groups.flatMap((g: { rules: object[] }) => g.rules)) as Record<string, any>[];

describe('Observability', () => {
  it('synthesizes objects that validate (PrometheusRule model, ConfigMaps)', async () => {
    await expectValid(obs());
    await expectValid(obs({ otelCollector: false, otlpExportEndpoint: 'otel:4317' }));
  });

  it('keeps its shape', () => {
    expect(obs()).toMatchSnapshot();
  });

  it('alerts on the 99.9 % availability budget with multi-window burn rates', () => {
    const r = rules(obs());
    const fast = r.filter((x) => x.alert === 'DebugHostErrorBudgetBurnFast');
    expect(fast.map((x) => x.expr)).toEqual([
      'debug_host:tool_errors:ratio_rate1h > (14.4 * 0.001) and debug_host:tool_errors:ratio_rate5m > (14.4 * 0.001)',
      'debug_host:tool_errors:ratio_rate6h > (6 * 0.001) and debug_host:tool_errors:ratio_rate30m > (6 * 0.001)',
    ]);
    expect(r.filter((x) => x.alert === 'DebugHostErrorBudgetBurnSlow')).toHaveLength(1);
    expect(r.filter((x) => x.record).map((x) => x.record)).toContain('debug_host:tool_errors:ratio_rate30d');
    expect(rules(obs({ availabilityTarget: 99 })).find((x) => x.alert === 'DebugHostErrorBudgetBurnFast')?.expr).toContain('(14.4 * 0.01)');
  });

  it('counts only server-side outcomes (unavailable) against availability, from debug_host_tool_calls_total', () => {
    const r = rules(obs());
    expect(r.find((x) => x.record === 'debug_host:tool_errors:ratio_rate5m')?.expr).toBe(
      'sum(rate(debug_host_tool_calls_total{outcome=~"unavailable"}[5m])) / clamp_min(sum(rate(debug_host_tool_calls_total[5m])), 1e-9)',
    );
    expect(rules(obs({ serverErrorOutcomes: ['unavailable', 'rate_limited'] })).find((x) => x.record)?.expr).toContain('outcome=~"unavailable|rate_limited"');
    expect(r.find((x) => x.alert === 'DebugHostTenantErrorRateHigh')?.expr).toContain('sum by (tenant)');
  });

  it('alerts on p99 tool latency above 1 s', () => {
    const r = rules(obs());
    expect(r.find((x) => x.alert === 'DebugHostLatencyP99High')?.expr).toBe('histogram_quantile(0.99, sum by (le) (rate(debug_host_tool_duration_seconds_bucket{outcome!="rate_limited"}[5m]))) > 1');
    expect(rules(obs({ p99LatencySeconds: 0.5 })).find((x) => x.alert === 'DebugHostLatencyP99High')?.expr).toMatch(/> 0\.5$/);
  });

  it('alerts per tenant on burn rates of its 99.9 % availability and of its own latency objective', () => {
    const r = rules(obs({ tenants: ['acme', { name: 'globex', p99LatencySeconds: 0.3 }] }));
    expect(r.filter((x) => x.alert === 'DebugHostTenantErrorBudgetBurnFast').map((x) => x.expr)).toEqual([
      'debug_host:tenant_tool_errors:ratio_rate1h > (14.4 * 0.001) and debug_host:tenant_tool_errors:ratio_rate5m > (14.4 * 0.001)',
      'debug_host:tenant_tool_errors:ratio_rate6h > (6 * 0.001) and debug_host:tenant_tool_errors:ratio_rate30m > (6 * 0.001)',
    ]);
    const latency = r.filter((x) => x.alert === 'DebugHostTenantLatencyBudgetBurnFast');
    expect(latency.map((x) => x.labels.tenant)).toEqual(['acme', 'acme', 'globex', 'globex']);
    expect(latency[0]?.expr).toBe('debug_host:tenant_tool_slow:ratio_rate1h{tenant="acme",le="1"} > (14.4 * 0.01) and debug_host:tenant_tool_slow:ratio_rate5m{tenant="acme",le="1"} > (14.4 * 0.01)');
    expect(latency[2]?.expr).toContain('{tenant="globex",le="0.3"}');
    // One recording rule per window, by bucket bound: the shared rule does not depend on the tenants.
    const slow = r.filter((x) => x.record === 'debug_host:tenant_tool_slow:ratio_rate5m');
    expect(slow.map((x) => x.expr)).toEqual([
      '1 - (sum by (tenant, le) (rate(debug_host_tool_duration_seconds_bucket{outcome!="rate_limited"}[5m])) / on (tenant) group_left () clamp_min(sum by (tenant) (rate(debug_host_tool_duration_seconds_count{outcome!="rate_limited"}[5m])), 1e-9))',
    ]);
    const objs = obs({ tenants: ['acme', { name: 'globex', p99LatencySeconds: 0.3 }] });
    expect(all(objs, 'PrometheusRule').map((p) => [p.metadata.name, p.metadata.labels['debug-host.io/tenant'] ?? null])).toEqual([
      ['debug-host-slo', null],
      ['debug-host-slo-tenant-acme', 'acme'],
      ['debug-host-slo-tenant-globex', 'globex'],
    ]);
    expect(JSON.stringify(one(obs({ tenants: [] }), 'PrometheusRule'))).toBe(JSON.stringify(all(objs, 'PrometheusRule')[0]));
    expect(() => obs({ tenants: [{ name: 'acme', p99LatencySeconds: 0.7 }] })).toThrow(/tenants\[acme\]\.p99LatencySeconds.*not a bucket bound.*0\.5, 1/);
    expect(() => obs({ p99LatencySeconds: 0.7 })).toThrow(/p99LatencySeconds.*not a bucket bound/);
  });

  it('ships a global dashboard and one per tenant, labelled for the Grafana sidecar', () => {
    const objs = obs({ tenants: ['acme', 'globex'] });
    const dashboards = all(objs, 'ConfigMap').filter((c) => c.metadata.labels.grafana_dashboard === '1');
    expect(dashboards.map((d) => d.metadata.name)).toEqual(['debug-host-dashboard-overview', 'debug-host-dashboard-tenant-acme', 'debug-host-dashboard-tenant-globex']);
    const acme = JSON.parse(dashboards[1]?.data['debug-host-tenant-acme.json']);
    expect(acme.title).toBe('Debug Host: tenant acme');
    for (const p of acme.panels) expect(p.targets[0].expr).toContain('tenant="acme"');
    expect(acme.panels.map((p: { title: string }) => p.title)).toEqual(expect.arrayContaining(['Tool latency p99', 'Error rate (server-side failures)']));
    expect(JSON.parse(dashboards[0]?.data['debug-host-overview.json']).panels.length).toBeGreaterThan(3);
    expect(all(obs({ dashboardLabel: 'dash' }), 'ConfigMap').filter((c) => c.metadata.labels.dash === '1')).toHaveLength(2);
  });

  it('writes an OpenTelemetry collector config (debug exporter unless an OTLP endpoint is set)', () => {
    const cfg = JSON.parse(one(obs(), 'ConfigMap', 'debug-host-otel-collector').data['config.yaml']);
    expect(Object.keys(cfg.receivers)).toEqual(['otlp']);
    expect(cfg.exporters).toEqual({ debug: { verbosity: 'basic' } });
    expect(cfg.service.pipelines.traces.exporters).toEqual(['debug']);
    const otlp = JSON.parse(one(obs({ otlpExportEndpoint: 'collector:4317' }), 'ConfigMap', 'debug-host-otel-collector').data['config.yaml']);
    expect(otlp.exporters).toEqual({ otlp: { endpoint: 'collector:4317' } });
    expect(all(obs({ otelCollector: false }), 'ConfigMap').filter((c) => c.metadata.name.endsWith('otel-collector'))).toHaveLength(0);
  });

  it('runs the collector with that config: mounted, health-checked, non-root, read-only, no API token', () => {
    const objs = obs({ collectorReplicas: 2 });
    const cfg = JSON.parse(one(objs, 'ConfigMap', 'debug-host-otel-collector').data['config.yaml']);
    expect(cfg.service.extensions).toEqual(['health_check']);
    const deployment = one(objs, 'Deployment', 'debug-host-otel-collector');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(container.image).toBe(`otel/opentelemetry-collector-contrib:${OTELCOL_VERSION}`);
    expect(pod.volumes).toEqual([{ name: 'config', configMap: { name: 'debug-host-otel-collector' } }]);
    expect(container.args).toEqual(['--config=/conf/config.yaml']);
    expect(container.readinessProbe.httpGet.port).toBe(Number(cfg.extensions.health_check.endpoint.split(':')[1]));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(() => obs({ collectorReplicas: 0 })).toThrow(/replicas/);
  });

  it.each([
    [{ availabilityTarget: 100 }, /'availabilityTarget'/],
    [{ availabilityTarget: 0 }, /'availabilityTarget'/],
    [{ p99LatencySeconds: 0 }, /'p99LatencySeconds'.*positive/],
    [{ tenants: ['Bad'] }, /'tenants\[\]'/],
    [{ serverErrorOutcomes: [] }, /'serverErrorOutcomes'/],
    [{ serverErrorOutcomes: ['a"b'] }, /'serverErrorOutcomes'/],
  ])('rejects %j', (props, message) => {
    expect(() => obs(props as ObservabilityProps)).toThrow(message);
  });
});
