/**
 * Grafana dashboards (JSON model) for the runtime's metrics. Pure functions: the
 * Observability construct puts their output in ConfigMaps picked up by Grafana's sidecar.
 */

interface Panel {
  readonly title: string;
  readonly expr: string;
  readonly unit: string;
}

function panels(list: readonly Panel[]): object[] {
  return list.map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    datasource: { type: 'prometheus', uid: '${datasource}' },
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    targets: [{ refId: 'A', expr: p.expr, legendFormat: '__auto' }],
  }));
}

function dashboard(uid: string, title: string, list: readonly Panel[], tags: readonly string[]): object {
  return {
    uid,
    title,
    tags: ['debug-host', ...tags],
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: panels(list),
  };
}

/** The platform-wide dashboard: replicas, active containers, tool latency and errors. */
export function globalDashboard(): object {
  return dashboard('debug-host-overview', 'Debug Host: overview', [
    { title: 'Active containers per pod', expr: 'sum by (pod) (active_containers_per_pod)', unit: 'short' },
    { title: 'Active containers (total)', expr: 'sum(debug_host_active_containers)', unit: 'short' },
    { title: 'Tool calls per second by outcome', expr: 'sum by (outcome) (rate(debug_host_tool_calls_total[5m]))', unit: 'reqps' },
    // Without rate-limit refusals, which are answered at once and would hide slow calls.
    { title: 'Tool latency p99 by tool', expr: 'histogram_quantile(0.99, sum by (le, tool) (rate(debug_host_tool_duration_seconds_bucket{outcome!="rate_limited"}[5m])))', unit: 's' },
    { title: 'Availability (30d)', expr: '1 - debug_host:tool_errors:ratio_rate30d', unit: 'percentunit' },
    { title: 'Tool calls per second by tenant (top 20)', expr: 'topk(20, sum by (tenant) (rate(debug_host_tool_calls_total[5m])))', unit: 'reqps' },
    { title: 'Rate-limited calls per second by tenant (top 10)', expr: 'topk(10, sum by (tenant) (rate(debug_host_tool_calls_total{outcome="rate_limited"}[5m])))', unit: 'reqps' },
    { title: 'Ownership cache hit ratio', expr: 'sum(rate(debug_host_route_cache_total{result="hit"}[5m])) / clamp_min(sum(rate(debug_host_route_cache_total[5m])), 1e-9)', unit: 'percentunit' },
  ], ['global']);
}

/** One tenant's dashboard: its calls, outcomes, p99 latency and error rate (from the runtime's bounded tenant label). */
export function tenantDashboard(tenant: string): object {
  const sel = `tenant="${tenant}"`;
  return dashboard(`debug-host-tenant-${tenant}`.slice(0, 40), `Debug Host: tenant ${tenant}`, [
    { title: 'Tool calls per second by tool', expr: `sum by (tool) (rate(debug_host_tool_calls_total{${sel}}[5m]))`, unit: 'reqps' },
    { title: 'Failed calls per second by outcome', expr: `sum by (outcome) (rate(debug_host_tool_calls_total{${sel},outcome!="ok"}[5m]))`, unit: 'reqps' },
    { title: 'Success ratio', expr: `sum(rate(debug_host_tool_calls_total{${sel},outcome="ok"}[5m])) / sum(rate(debug_host_tool_calls_total{${sel}}[5m]))`, unit: 'percentunit' },
    { title: 'Calls by tool (24h)', expr: `sum by (tool) (increase(debug_host_tool_calls_total{${sel}}[24h]))`, unit: 'short' },
    // Without rate-limit refusals, answered at once: they would hide slow calls.
    { title: 'Tool latency p99', expr: `histogram_quantile(0.99, sum by (le) (rate(debug_host_tool_duration_seconds_bucket{${sel},outcome!="rate_limited"}[5m])))`, unit: 's' },
    { title: 'Tool latency p99 by tool', expr: `histogram_quantile(0.99, sum by (le, tool) (rate(debug_host_tool_duration_seconds_bucket{${sel},outcome!="rate_limited"}[5m])))`, unit: 's' },
    { title: 'Error rate (server-side failures)', expr: `debug_host:tenant_tool_errors:ratio_rate5m{${sel}}`, unit: 'percentunit' },
  ], ['tenant', tenant]);
}
