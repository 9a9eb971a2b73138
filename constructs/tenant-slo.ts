/**
 * Per-tenant SLOs as Prometheus rules: availability (the platform's target, 99.9 % by
 * default) and latency (a share of 99 % of a tenant's calls at or under its objective, so
 * that one tenant's slow calls page even when the platform's p99 is fine), each with the
 * multi-window burn-rate alerts of the SRE workbook. The tenant label is the runtime's
 * bounded one (TENANT_METRIC_CAP in @debug-host/rules): a tenant past the cap is in `_other`.
 */
import { OTHER_TENANT_LABEL, TENANT_METRIC_CAP, TOOL_DURATION_BUCKETS } from '@debug-host/rules';
import { ConstructPropsError } from './validation.js';

/** One tenant's latency objective. */
export interface TenantSloProps {
  readonly name: string;
  /** 99 % of this tenant's tool calls at or under this many seconds; a bucket bound of the latency histogram. @default - the Observability's p99LatencySeconds */
  readonly p99LatencySeconds?: number;
}

/** Multi-window burn rates of the Google SRE workbook (page: 2 % of budget in 1 h or 5 % in 6 h; ticket: 10 % in 3 d). */
export const BURN = [
  { severity: 'critical', long: '1h', short: '5m', factor: 14.4, for: '2m' },
  { severity: 'critical', long: '6h', short: '30m', factor: 6, for: '15m' },
  { severity: 'warning', long: '3d', short: '6h', factor: 1, for: '1h' },
] as const;

const TENANT_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
/** The latency SLO's budget: 1 % of calls may be slower than the objective (a p99). */
const LATENCY_BUDGET = 0.01;
const CALLS = 'debug_host_tool_calls_total';
const DURATION = 'debug_host_tool_duration_seconds';

/** The objective, checked: a positive bucket bound of the histogram, so that the SLI is exact. */
export function requireLatencyObjective(construct: string, field: string, seconds: number): number {
  if (!TOOL_DURATION_BUCKETS.includes(seconds)) {
    throw new ConstructPropsError(construct, field, `${String(seconds)} s is not a bucket bound of debug_host_tool_duration_seconds`, `Use one of ${TOOL_DURATION_BUCKETS.join(', ')} (seconds).`);
  }
  return seconds;
}

type RuleGroup = { name: string; interval?: string; rules: Array<{ expr: string } & Record<string, unknown>> };

/**
 * The rules every tenant shares, whatever the tenant list (adding a tenant never rewrites
 * them): error and slow-call ratios by tenant label (slow by bucket bound, so each tenant's
 * objective has its series) and the availability burn-rate alerts.
 */
export function sharedTenantSloGroups(options: { readonly failed: string; readonly budget: number; readonly target: number }): RuleGroup[] {
  const { failed, budget, target } = options;
  const recording = TENANT_WINDOWS.flatMap((w) => [
    {
      record: `debug_host:tenant_tool_errors:ratio_rate${w}`,
      expr: `sum by (tenant) (rate(${CALLS}{${failed}}[${w}])) / clamp_min(sum by (tenant) (rate(${CALLS}[${w}])), 1e-9)`,
    },
    {
      // By bucket bound (`le` kept): every tenant's objective has its series, whatever the tenant list.
      record: `debug_host:tenant_tool_slow:ratio_rate${w}`,
      expr: `1 - (sum by (tenant, le) (rate(${DURATION}_bucket{outcome!="rate_limited"}[${w}])) / on (tenant) group_left () clamp_min(sum by (tenant) (rate(${DURATION}_count{outcome!="rate_limited"}[${w}])), 1e-9))`,
    },
  ]);
  const availability = BURN.map((b) => ({
    alert: b.severity === 'critical' ? 'DebugHostTenantErrorBudgetBurnFast' : 'DebugHostTenantErrorBudgetBurnSlow',
    expr: `debug_host:tenant_tool_errors:ratio_rate${b.long} > (${b.factor} * ${budget}) and debug_host:tenant_tool_errors:ratio_rate${b.short} > (${b.factor} * ${budget})`,
    for: b.for,
    labels: { severity: b.severity, slo: 'tenant-availability' },
    annotations: {
      summary: `Tenant {{ $labels.tenant }} is burning its ${target}% availability budget ${b.factor}x too fast (${b.long}/${b.short} windows).`,
      description: `Its tool calls fail while others may not: check its projects, its quota and its schema. Tenants past the first ${TENANT_METRIC_CAP} a replica served are counted as ${OTHER_TENANT_LABEL}.`,
    },
  }));
  return [
    { name: 'debug-host-tenant-slo-recording', interval: '30s', rules: recording },
    { name: 'debug-host-tenant-slo-alerts', rules: availability },
  ];
}

/** One tenant's latency burn-rate alerts on its objective (a PrometheusRule of its own, see Observability). */
export function tenantLatencyGroup(tenant: string, le: number): RuleGroup {
  const sel = `{tenant="${tenant}",le="${le}"}`;
  return {
    name: `debug-host-tenant-${tenant}-latency`,
    rules: BURN.map((b) => ({
      alert: b.severity === 'critical' ? 'DebugHostTenantLatencyBudgetBurnFast' : 'DebugHostTenantLatencyBudgetBurnSlow',
      expr: `debug_host:tenant_tool_slow:ratio_rate${b.long}${sel} > (${b.factor} * ${LATENCY_BUDGET}) and debug_host:tenant_tool_slow:ratio_rate${b.short}${sel} > (${b.factor} * ${LATENCY_BUDGET})`,
      for: b.for,
      labels: { severity: b.severity, slo: 'tenant-latency', tenant },
      annotations: {
        summary: `Tenant ${tenant}: more than 1% of tool calls slower than ${le}s, ${b.factor}x the budget (${b.long}/${b.short} windows).`,
        description: "A noisy neighbour or this tenant's own load: compare its p99 with the others' (tenant dashboard), check replica saturation and the store latency.",
      },
    })),
  };
}
