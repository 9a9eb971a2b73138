/**
 * Prometheus metrics, one registry per runtime (no global state, so tests can run several).
 * `active_containers_per_pod` is what the HPA scales on.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Tenants with their own series on the by-tenant latency histogram. */
export const TENANT_LABELS_MAX = 50;

export class Metrics {
  readonly registry = new Registry();
  readonly toolCalls: Counter<'tool' | 'tenant' | 'outcome'>;
  readonly toolDuration: Histogram<'tool' | 'outcome'>;
  readonly activeContainers: Gauge;
  readonly activeContainersPerPod: Gauge;
  readonly logLines: Counter<'stream'>;
  readonly restarts: Counter<'reason'>;
  readonly routeCache: Counter<'result'>;
  readonly logLinesDropped: Counter<'reason'>;
  readonly logLinesSpilled: Counter;
  readonly logLinesPending: Gauge<'where'>;
  readonly admission: Gauge<'state'>;
  readonly tenantDuration: Histogram<'tenant'>;
  readonly scalingFloor: Gauge<'mode'>;
  readonly scalingForecast: Gauge<'figure'>;
  readonly scalingDecisions: Counter<'change' | 'rule'>;
  /** Tenants with their own label on the latency histogram; the rest are `other` (bounded cardinality). */
  private readonly latencyTenants = new Set<string>();
  private logBacklog: () => { memory: number; spilled: number } = () => ({ memory: 0, spilled: 0 });
  private admissionLoad: () => { running: number; waiting: number } = () => ({ running: 0, waiting: 0 });

  constructor(readonly replicaId: string) {
    this.registry.setDefaultLabels({ replica: replicaId });
    collectDefaultMetrics({ register: this.registry, prefix: 'debug_host_' });
    this.toolCalls = new Counter({
      name: 'debug_host_tool_calls_total',
      help: 'MCP tool calls by tool, tenant and outcome (ok or an error code).',
      labelNames: ['tool', 'tenant', 'outcome'],
      registers: [this.registry],
    });
    this.toolDuration = new Histogram({
      name: 'debug_host_tool_duration_seconds',
      help: 'MCP tool call latency, from authenticated request to result.',
      labelNames: ['tool', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5],
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
    this.tenantDuration = new Histogram({
      name: 'debug_host_tool_tenant_duration_seconds',
      help: `MCP tool call latency by tenant (the first ${TENANT_LABELS_MAX} tenants seen by this replica; the others as 'other').`,
      labelNames: ['tenant'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5],
      registers: [this.registry],
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

  /**
   * Tool-call latency by tenant: the first TENANT_LABELS_MAX tenants seen get their own label,
   * later ones share `other`, so a platform with many tenants cannot grow the series without end.
   */
  observeTenantLatency(tenant: string, seconds: number): void {
    if (!this.latencyTenants.has(tenant) && this.latencyTenants.size < TENANT_LABELS_MAX) this.latencyTenants.add(tenant);
    this.tenantDuration.observe({ tenant: this.latencyTenants.has(tenant) ? tenant : 'other' }, seconds);
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
