/**
 * The autoscaler's leader loop. Every period, on the leader only: sum the load the replicas
 * reported (store/scaling.ts), append it to the bounded history, forecast and decide
 * (autoscaler/decide.ts), and
 * - in Kubernetes mode patch only `spec.minReplicas` of the runtime's own HPA (hpa-floor.ts),
 *   starting from what the HPA says (floor, baseline annotation, when the floor last changed),
 *   so a leader that took over walks a raise it did not make back down;
 * - in recommendation mode (no Kubernetes) only record what it would do, starting from the
 *   last stored decision.
 * Each decision is stored and written to the outbox (`debug-host.scaling`) in one transaction
 * fenced on the leader's epoch: a deposed leader's tick is refused before it patches.
 */
import type { Logger } from 'pino';
import { planFloorPatch, scalerStateOf, type FloorPatchPlan } from '../autoscaler/actuation.js';
import { historySamplesToKeep, parseAutoscalerConfig, type AutoscalerConfig, type AutoscalerProps } from '../autoscaler/config.js';
import { decide, type Decision, type ScalerState } from '../autoscaler/decide.js';
import { toSeries } from '../autoscaler/history.js';
import type { Metrics } from '../metrics/metrics.js';
import { LeadershipLost } from '../store/leader-epoch.js';
import type { ScalingStore } from '../store/scaling.js';
import type { HpaFloor } from './hpa-floor.js';

export type ScalingMode = 'recommend' | 'kubernetes';

export interface ScalingLeaderOptions {
  readonly store: ScalingStore;
  readonly leader: string;
  /** The leader's fencing token. @default - unfenced */
  readonly leaderEpoch?: () => number | undefined;
  /** Present in Kubernetes mode; without it the leader only recommends. @default - recommendation mode */
  readonly hpa?: HpaFloor;
  /** The decision's settings; in Kubernetes mode min and max come from the HPA. @default - DEFAULT_AUTOSCALER_CONFIG */
  readonly props?: AutoscalerProps;
  /** Days of history and decisions kept; never fewer than the forecast needs. @default 15 */
  readonly historyDays?: number;
  /** @default - no metrics */
  readonly metrics?: Pick<Metrics, 'scalingFloor' | 'scalingForecast' | 'scalingDecisions'>;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Seconds since the epoch. @default Date.now() / 1000 */
  readonly clock?: () => number;
}

export interface TickResult {
  readonly at: number;
  readonly mode: ScalingMode;
  readonly demand: number;
  readonly decision: Decision;
  /** Kubernetes mode: what was (or needed not be) patched. */
  readonly plan?: FloorPatchPlan;
}

export class ScalingLeader {
  readonly mode: ScalingMode;
  private readonly base: AutoscalerConfig;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly options: ScalingLeaderOptions) {
    this.mode = options.hpa ? 'kubernetes' : 'recommend';
    this.base = parseAutoscalerConfig(options.props ?? {});
  }

  get periodSeconds(): number {
    return this.base.periodSeconds;
  }

  /** Rows kept: what the forecast needs, or `historyDays`, whichever is longer. */
  get keepSeconds(): number {
    return Math.max(historySamplesToKeep(this.base) * this.base.periodSeconds, (this.options.historyDays ?? 15) * 86_400);
  }

  /** Decides now, then every period, until `stop()`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.safeTick(), this.base.periodSeconds * 1000);
    this.timer.unref();
    void this.safeTick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async safeTick(): Promise<void> {
    if (this.running) return; // a slow tick is not stacked on
    const tick = this.tick().catch((err: unknown) => {
      if (err instanceof LeadershipLost) {
        this.options.logger.info({ epoch: err.epoch }, 'autoscaler: leadership lost, tick refused');
        void this.stop();
      } else {
        this.options.logger.warn({ err }, 'autoscaler tick failed');
      }
    });
    this.running = tick;
    await tick;
    this.running = undefined;
  }

  /** One period's work. `now` in seconds since the epoch; the sample goes to its period's start. */
  async tick(now: number = this.options.clock?.() ?? Date.now() / 1000): Promise<TickResult> {
    const { store, leader } = this.options;
    const epoch = this.options.leaderEpoch?.();
    const period = this.base.periodSeconds;
    const at = Math.floor(now / period) * period;
    // Replicas that missed two reports are gone (or stuck): their load no longer counts.
    const demand = await store.clusterDemand(2.5 * period * 1000);
    const signals = {
      ...(demand.cpuPercent === undefined ? {} : { cpuPercent: demand.cpuPercent }),
      ...(demand.memoryPercent === undefined ? {} : { memoryPercent: demand.memoryPercent }),
    };
    await store.appendSample({ at, demand: demand.running, inFlight: demand.inFlight, replicas: demand.replicas, ...signals }, this.keepSeconds, epoch);

    let config = this.base;
    let state: ScalerState;
    const hpaView = await this.options.hpa?.read();
    if (hpaView) {
      // The HPA's baseline and maximum bound the floor: the stack, not the leader, sets them.
      const min = hpaView.baseline ?? hpaView.minReplicas;
      config = this.configWithin(min, Math.max(min, hpaView.maxReplicas));
      state = scalerStateOf(hpaView, signals);
    } else {
      const [last] = await store.recentDecisions(1);
      const changedAt = last?.decision.floorChangedAt;
      state = {
        replicas: Math.max(config.minReplicas, demand.replicas),
        floor: last?.floor.to ?? config.minReplicas,
        ...(typeof changedAt === 'number' ? { floorChangedAt: changedAt } : {}),
        ...signals,
      };
    }

    const keep = historySamplesToKeep(config);
    const series = toSeries(await store.history(at - keep * period), period, keep);
    const decision = decide({ now: at, history: series.values, state }, config);

    let plan: FloorPatchPlan | undefined;
    if (hpaView && this.options.hpa) {
      plan = planFloorPatch(hpaView, decision, { now: at, leader });
      if (plan.patch) await this.options.hpa.patch(plan.patch);
    }
    const floorTo = plan ? plan.minReplicas.to : decision.floor.to;
    const floorFrom = plan ? plan.minReplicas.from : decision.floor.from;
    const floorChangedAt = floorTo !== floorFrom ? at : state.floorChangedAt;
    await store.recordDecision(
      {
        at,
        leader,
        mode: this.mode,
        floor: { from: floorFrom, to: floorTo, change: floorTo > floorFrom ? 'raise' : floorTo < floorFrom ? 'lower' : 'hold', rule: decision.floor.rule },
        reason: plan ? `${decision.reason}; ${plan.reason}` : decision.reason,
        decision: { ...decision, ...(floorChangedAt === undefined ? {} : { floorChangedAt }), historyFilled: series.filled, ...(plan ? { plan } : {}) },
      },
      this.keepSeconds,
      epoch,
    );
    this.export(decision, floorTo);
    return { at, mode: this.mode, demand: demand.running, decision, ...(plan ? { plan } : {}) };
  }

  private configWithin(minReplicas: number, maxReplicas: number): AutoscalerConfig {
    if (minReplicas === this.base.minReplicas && maxReplicas === this.base.maxReplicas) return this.base;
    return parseAutoscalerConfig({ ...this.base, minReplicas, maxReplicas });
  }

  private export(decision: Decision, floor: number): void {
    const m = this.options.metrics;
    if (!m) return;
    m.scalingFloor.set({ mode: this.mode }, floor);
    m.scalingDecisions.inc({ change: decision.floor.change, rule: decision.floor.rule });
    const f = decision.facts.forecast;
    if (f.ok) {
      m.scalingForecast.set({ figure: 'confidence' }, f.confidence);
      m.scalingForecast.set({ figure: 'peak' }, f.peakWithinLead);
    } else {
      m.scalingForecast.remove({ figure: 'confidence' });
      m.scalingForecast.remove({ figure: 'peak' });
    }
    m.scalingForecast.set({ figure: 'demand' }, decision.facts.demand);
  }
}
