/**
 * Prometheus metrics, one registry per runtime (no global state, so tests can run several).
 * `active_containers_per_pod` is what the HPA scales on. With exemplars on (tracing is on)
 * the registry speaks OpenMetrics, and each latency bucket links to the trace of one call
 * that fell in it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type OpenMetricsContentType, type PrometheusContentType } from 'prom-client';
import { sampledTraceId } from '../tracing/spans.js';
import { TenantLabels } from './tenant-label.js';
import { TOOL_DURATION_BUCKETS } from '@debug-host/rules';

export interface MetricsOptions {
  /** Exemplars (trace_id, span_id) on the tool-call latency buckets, in OpenMetrics. @default false */
  readonly exemplars?: boolean;
  /** Distinct tenant labels. @default TENANT_METRIC_CAP (@debug-host/rules) */
  readonly tenantCap?: number;
}

export class Metrics {
  readonly registry: Registry<PrometheusContentType | OpenMetricsContentType>;
  readonly toolCalls: Counter<'tool' | 'tenant' | 'outcome'>;
  readonly toolDuration: Histogram<'tool' | 'tenant' | 'outcome'>;
  private readonly tenants: TenantLabels;
  private readonly exemplars: boolean;
  readonly activeContainers: Gauge;
  readonly activeContainersPerPod: Gauge;
  readonly logLines: Counter<'stream'>;
  readonly restarts: Counter<'reason'>;
  readonly routeCache: Counter<'result'>;
  readonly logLinesDropped: Counter<'reason'>;
  readonly logLinesSpilled: Counter;
  readonly logLinesPending: Gauge<'where'>;
  readonly admission: Gauge<'state'>;
  readonly tokenRefusals: Counter<'reason'>;
  readonly scalingFloor: Gauge<'mode'>;
  readonly scalingForecast: Gauge<'figure'>;
  readonly scalingDecisions: Counter<'change' | 'rule'>;
  private logBacklog: () => { memory: number; spilled: number } = () => ({ memory: 0, spilled: 0 });
  private admissionLoad: () => { running: number; waiting: number } = () => ({ running: 0, waiting: 0 });

  constructor(readonly replicaId: string, options: MetricsOptions = {}) {
    this.exemplars = options.exemplars ?? false;
    this.tenants = new TenantLabels(options.tenantCap);
    this.registry = new Registry<PrometheusContentType | OpenMetricsContentType>();
    if (this.exemplars) this.registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    this.registry.setDefaultLabels({ replica: replicaId });
    collectDefaultMetrics({ register: this.registry, prefix: 'debug_host_' });
    this.toolCalls = new Counter({
      name: 'debug_host_tool_calls_total',
      help: 'MCP tool calls by tool, tenant (the first TENANT_METRIC_CAP tenants, then _other) and outcome (ok or an error code).',
      labelNames: ['tool', 'tenant', 'outcome'],
      registers: [this.registry],
    });
    this.toolDuration = new Histogram({
      name: 'debug_host_tool_duration_seconds',
      help: 'MCP tool call latency, from authenticated request to result, by tool, tenant (the first TENANT_METRIC_CAP tenants, then _other) and outcome.',
      labelNames: ['tool', 'tenant', 'outcome'],
      enableExemplars: this.exemplars,
      buckets: [...TOOL_DURATION_BUCKETS],
      registers: [this.registry],
    });
    this.activeContainers = new Gauge({
      name: 'debug_host_active_containers',
      help: 'Projects running on this replica.',
      registers: [this.registry],
    });
    this.activeContainersPerPod = new Gauge({
      name: 'active_containers_per_pod',
      help: 'Projects running on this replica (the HPA custom metric).',
      registers: [this.registry],
    });
    this.logLines = new Counter({
      name: 'debug_host_log_lines_total',
      help: 'Log lines captured from projects.',
      labelNames: ['stream'],
      registers: [this.registry],
    });
    this.restarts = new Counter({
      name: 'debug_host_project_restarts_total',
      help: 'Project restarts by reason (crash, recovery).',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.tokenRefusals = new Counter({
      name: 'debug_host_token_refusals_total',
      help: 'Requests refused for their token, by reason (tenancy/tokens.ts TokenRefusal: signature, algorithm, expired, audience...).',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.routeCache = new Counter({
      name: 'debug_host_route_cache_total',
      help: 'Lookups of where a project call goes (its owner replica): hit or miss of the ownership cache.',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.logLinesDropped = new Counter({
      name: 'debug_host_log_lines_dropped_total',
      help: 'Project log lines never stored, by reason: full (store down, memory and spill file full), rejected (refused by the store as they were), gone (project deleted), shutdown (spill full at exit).',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.logLinesSpilled = new Counter({
      name: 'debug_host_log_lines_spilled_total',
      help: 'Project log lines moved from memory to the local spill file while the store did not take them.',
      registers: [this.registry],
    });
    const backlog = () => this.logBacklog();
    this.logLinesPending = new Gauge({
      name: 'debug_host_log_lines_pending',
      help: 'Project log lines waiting to be stored on this replica, in memory or in spill files.',
      labelNames: ['where'],
      registers: [this.registry],
      collect() {
        const { memory, spilled } = backlog();
        this.set({ where: 'memory' }, memory);
        this.set({ where: 'spill' }, spilled);
      },
    });
    const admission = () => this.admissionLoad();
    this.admission = new Gauge({
      name: 'debug_host_changing_calls',
      help: 'Changing tool calls (start, stop, register...) on this replica: running, or waiting for a turn (tools/admission.ts).',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const { running, waiting } = admission();
        this.set({ state: 'running' }, running);
        this.set({ state: 'waiting' }, waiting);
      },
    });
    this.scalingFloor = new Gauge({
      name: 'debug_host_autoscaler_floor',
      help: "The HPA floor (minReplicas) the leader's last decision set (mode kubernetes) or recommends (mode recommend); only the leader exports it.",
      labelNames: ['mode'],
      registers: [this.registry],
    });
    this.scalingForecast = new Gauge({
      name: 'debug_host_autoscaler_forecast',
      help: "The leader's last forecast: confidence (0-1), peak (active containers within the lead time), demand (now); absent without a forecast.",
      labelNames: ['figure'],
      registers: [this.registry],
    });
    this.scalingDecisions = new Counter({
      name: 'debug_host_autoscaler_decisions_total',
      help: 'Decisions of the autoscaler on this replica while leader, by floor change (raise, lower, hold) and rule.',
      labelNames: ['change', 'rule'],
      registers: [this.registry],
    });
  }

  /** One finished tool call: its count and its latency, under its tenant's bounded label; in the active trace, an exemplar. */
  observeToolCall(tool: string, tenantId: string, outcome: string, seconds: number): void {
    const labels = { tool, tenant: this.tenants.of(tenantId), outcome };
    this.toolCalls.inc(labels);
    const traced = this.exemplars ? sampledTraceId() : undefined;
    if (traced) this.toolDuration.observe({ labels, value: seconds, exemplarLabels: { trace_id: traced.traceId, span_id: traced.spanId } as never });
    else this.toolDuration.observe(labels, seconds);
  }

  /** Where the changing-calls gauge reads its values when scraped (the dispatcher's admission). */
  watchAdmission(read: () => { running: number; waiting: number }): void {
    this.admissionLoad = read;
  }

  /** Where the pending-lines gauge reads its value when scraped (the runtime's log pipeline). */
  watchLogBacklog(read: () => { memory: number; spilled: number }): void {
    this.logBacklog = read;
  }

  setActive(count: number): void {
    this.activeContainers.set(count);
    this.activeContainersPerPod.set(count);
  }
}
