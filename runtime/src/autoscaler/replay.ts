/**
 * Replays a demand trace through a scaling policy and measures it: the HPA alone
 * (hpa-model.ts), the HPA under the leader's predictive floor (forecast + decide, as the
 * leader would run them every period), or an oracle that knows demand one pod start plus one
 * sync ahead. Deterministic: the same trace and options give the same figures.
 *
 * The world it simulates: demand is spread over the ready pods; a new pod is ready
 * `podStartSeconds` after the HPA creates it; a removed pod goes at once (starting ones
 * first). The HPA syncs every `syncSeconds` from t = 0; the leader decides every period.
 */
import { historySamplesToKeep, leadStepsOf, type AutoscalerConfig } from './config.js';
import { decideFromForecast, forecastOptionsOf, podsFor, type Decision } from './decide.js';
import { fit as fitForecast, resultOf, type Fit, type ForecastResult } from './forecast.js';
import { HpaModel, type HpaBehavior } from './hpa-model.js';

export interface ReplayTrace {
  /** Seconds between two samples; divides the sync and the decision period. */
  readonly stepSeconds: number;
  /** Active containers cluster-wide, one per step. */
  readonly demand: ArrayLike<number>;
}

export interface ReplayOptions {
  /** The HPA's target per pod, and what one pod serves before the SLO breaks. @default 10 */
  readonly perPod?: number;
  /** The HPA's AverageValue target, when it keeps headroom below `perPod`. @default - `perPod` */
  readonly hpaTargetPerPod?: number;
  /** @default 3 */
  readonly minReplicas?: number;
  /** @default 20 */
  readonly maxReplicas?: number;
  /** @default 90 */
  readonly podStartSeconds?: number;
  /** @default 15 */
  readonly syncSeconds?: number;
  /** Figures count from here (the warm-up before it only feeds the history). @default 0 */
  readonly measureFromSeconds?: number;
  /** @default 0.1 */
  readonly tolerance?: number;
  /** @default DEFAULT_HPA_BEHAVIOR */
  readonly behavior?: HpaBehavior;
  /** Keep pods, ready pods and the floor per step in the result. @default false */
  readonly timeline?: boolean;
}

export type ReplayPolicy =
  | { readonly kind: 'hpa' }
  | { readonly kind: 'oracle' }
  | {
      readonly kind: 'predictive';
      /** Its min, max, perPodTarget, podStartSeconds and hpaSyncSeconds must equal the replay's. */
      readonly config: AutoscalerConfig;
      /** Seconds between two choices of the forecast's parameters; between them the fitted model continues online. @default 86400 */
      readonly reselectEverySeconds?: number;
    };

export interface FloorFigures {
  readonly decisions: number;
  readonly withoutForecast: number;
  readonly raises: number;
  /** Raises after which demand, within two lead windows, needed more pods than the old floor. */
  readonly raisesFollowedByDemand: number;
  readonly lowers: number;
  /** A raise right after a lower or a lower right after a raise (counting changes only). */
  readonly reversals: number;
  readonly highestFloor: number;
  /** Decisions by the forecast's seasons in samples (`2880` daily, `2880+20160` daily and weekly). */
  readonly bySeasons: Readonly<Record<string, number>>;
}

export interface ReplayResult {
  readonly policy: ReplayPolicy['kind'];
  readonly measuredSamples: number;
  /** Pods that exist (ready or starting), integrated: what the policy costs. */
  readonly podMinutes: number;
  /** Pods needed (demand / perPod, within the bounds) but not ready. */
  readonly underProvisionedPodMinutes: number;
  /** Pods that exist beyond those needed. */
  readonly overProvisionedPodMinutes: number;
  /** Samples where demand exceeds ready pods x perPod. */
  readonly sloViolatingSamples: number;
  readonly sloViolationMinutes: number;
  /** Changes of the Deployment's replicas. */
  readonly scalingActions: number;
  readonly floor?: FloorFigures;
  readonly timeline?: { readonly pods: Int16Array; readonly ready: Int16Array; readonly floor: Int16Array };
}

type Resolved = Required<Omit<ReplayOptions, 'tolerance' | 'behavior' | 'hpaTargetPerPod'>> & Pick<ReplayOptions, 'tolerance' | 'behavior' | 'hpaTargetPerPod'>;

export function replay(trace: ReplayTrace, policy: ReplayPolicy, options: ReplayOptions = {}): ReplayResult {
  const o: Resolved = { perPod: 10, minReplicas: 3, maxReplicas: 20, podStartSeconds: 90, syncSeconds: 15, measureFromSeconds: 0, timeline: false, ...options };
  const step = trace.stepSeconds;
  if (!(step > 0) || o.syncSeconds % step !== 0) throw new RangeError(`replay: stepSeconds ${step} must divide syncSeconds ${o.syncSeconds}`);
  const n = trace.demand.length;
  const demandAt = (i: number) => trace.demand[Math.min(i, n - 1)]!;
  const clamp = (v: number) => Math.min(o.maxReplicas, Math.max(o.minReplicas, v));
  const hpa = new HpaModel({ minReplicas: o.minReplicas, maxReplicas: o.maxReplicas, targetPerPod: o.hpaTargetPerPod ?? o.perPod, ...(o.tolerance === undefined ? {} : { tolerance: o.tolerance }), ...(o.behavior ? { behavior: o.behavior } : {}) });
  const leader = policy.kind === 'predictive' ? new Leader(policy, o, step) : undefined;
  const lookahead = Math.ceil((o.podStartSeconds + o.syncSeconds) / step);

  let pods: number[] = Array.from({ length: o.minReplicas }, () => 0); // ready-at times, ascending
  let floor = o.minReplicas;
  const timeline = o.timeline ? { pods: new Int16Array(n), ready: new Int16Array(n), floor: new Int16Array(n) } : undefined;
  const sums = { samples: 0, pods: 0, under: 0, over: 0, violating: 0, actions: 0 };
  for (let i = 0; i < n; i += 1) {
    const t = i * step;
    const demand = demandAt(i);
    if (leader && t % leader.periodSeconds === 0) floor = leader.decide(t, demand, pods.length, floor, t >= o.measureFromSeconds);
    if (t % o.syncSeconds === 0) {
      const ready = countReady(pods, t);
      let desired: number;
      if (policy.kind === 'oracle') {
        let peak = 0;
        for (let j = i; j <= i + lookahead; j += 1) peak = Math.max(peak, demandAt(j));
        desired = clamp(Math.ceil(peak / o.perPod));
      } else desired = hpa.sync({ now: t, replicas: pods.length, readyPods: ready, metricTotal: ready > 0 ? demand : 0, minReplicas: floor });
      if (desired !== pods.length && t >= o.measureFromSeconds) sums.actions += 1;
      if (desired > pods.length) pods = [...pods, ...Array.from({ length: desired - pods.length }, () => t + o.podStartSeconds)];
      else if (desired < pods.length) pods = pods.slice(0, desired); // the newest (latest ready) go first
    }
    const ready = countReady(pods, t);
    if (timeline) [timeline.pods[i], timeline.ready[i], timeline.floor[i]] = [pods.length, ready, floor];
    if (t < o.measureFromSeconds) continue;
    const needed = clamp(Math.ceil(demand / o.perPod));
    sums.samples += 1;
    sums.pods += pods.length;
    sums.under += Math.max(0, needed - ready);
    sums.over += Math.max(0, pods.length - needed);
    if (demand > ready * o.perPod) sums.violating += 1;
  }
  const minutes = step / 60;
  return {
    policy: policy.kind,
    measuredSamples: sums.samples,
    podMinutes: sums.pods * minutes,
    underProvisionedPodMinutes: sums.under * minutes,
    overProvisionedPodMinutes: sums.over * minutes,
    sloViolatingSamples: sums.violating,
    sloViolationMinutes: sums.violating * minutes,
    scalingActions: sums.actions,
    ...(leader ? { floor: leader.figures(trace, o.perPod) } : {}),
    ...(timeline ? { timeline } : {}),
  };
}

function countReady(pods: readonly number[], t: number): number {
  let ready = 0;
  for (const at of pods) if (at <= t) ready += 1;
  return ready;
}

/** The leader's loop, minus I/O: history, forecast (refitted as configured), decide. */
class Leader {
  readonly periodSeconds: number;
  private readonly config: AutoscalerConfig;
  private readonly history: number[] = [];
  private fit: Fit | undefined;
  private fittedAt = Number.NEGATIVE_INFINITY;
  private floorChangedAt: number | undefined;
  private readonly raises: Array<{ at: number; from: number }> = [];
  private readonly counts = { decisions: 0, withoutForecast: 0, lowers: 0, reversals: 0, highestFloor: 0 };
  private lastChange: 'raise' | 'lower' | undefined;
  private readonly bySeasons: Record<string, number> = {};
  private readonly reselectEvery: number;

  constructor(policy: Extract<ReplayPolicy, { kind: 'predictive' }>, o: Resolved, step: number) {
    const c = policy.config;
    const pairs: Array<[string, number, number]> = [
      ['minReplicas', c.minReplicas, o.minReplicas],
      ['maxReplicas', c.maxReplicas, o.maxReplicas],
      ['podStartSeconds', c.podStartSeconds, o.podStartSeconds],
      ['perPodTarget', c.perPodTarget, o.perPod],
      ['hpaSyncSeconds', c.hpaSyncSeconds, o.syncSeconds],
    ];
    const mismatch = pairs.filter(([, a, b]) => a !== b).map(([k, a, b]) => `${k} ${a} (replay: ${b})`);
    if (mismatch.length) throw new RangeError(`replay: the predictive config differs from the replay: ${mismatch.join(', ')}`);
    if (c.periodSeconds % step !== 0) throw new RangeError(`replay: stepSeconds ${step} must divide periodSeconds ${c.periodSeconds}`);
    this.config = c;
    this.periodSeconds = c.periodSeconds;
    this.reselectEvery = policy.reselectEverySeconds ?? 86_400;
  }

  /** One period: the new floor. */
  decide(now: number, demand: number, replicas: number, floor: number, measured: boolean): number {
    this.history.push(demand);
    const forecast = this.forecast(now);
    const decision: Decision = decideFromForecast(
      { now, demand, forecast, state: { replicas, floor, ...(this.floorChangedAt === undefined ? {} : { floorChangedAt: this.floorChangedAt }) } },
      this.config,
    );
    if (decision.floor.to !== floor) this.floorChangedAt = now;
    if (measured) {
      this.counts.decisions += 1;
      if (!forecast.ok) this.counts.withoutForecast += 1;
      else this.bySeasons[forecast.model.seasons.join('+')] = (this.bySeasons[forecast.model.seasons.join('+')] ?? 0) + 1;
      if (decision.floor.change === 'raise') this.raises.push({ at: now, from: floor });
      if (decision.floor.change === 'lower') this.counts.lowers += 1;
      if (decision.floor.change !== 'hold') {
        if (this.lastChange !== undefined && this.lastChange !== decision.floor.change) this.counts.reversals += 1;
        this.lastChange = decision.floor.change;
      }
      this.counts.highestFloor = Math.max(this.counts.highestFloor, decision.floor.to);
    }
    return decision.floor.to;
  }

  figures(trace: ReplayTrace, perPod: number): FloorFigures {
    // Two lead windows: a raise a little early (the forecast's smoothing shows a steep edge a
    // minute ahead) still anticipated the load; one that no load follows did not.
    const window = 2 * leadStepsOf(this.config) * this.periodSeconds;
    // Followed: the demand that came needed more than the old floor, by the same sizing.
    const needs = (d: number) => podsFor(d, this.config.floorHeadroom, perPod);
    const followed = this.raises.filter((r) => {
      for (let t = r.at + trace.stepSeconds; t <= r.at + window; t += trace.stepSeconds) {
        const i = Math.round(t / trace.stepSeconds);
        if (i < trace.demand.length && needs(trace.demand[i]!) > r.from) return true;
      }
      return false;
    }).length;
    return { ...this.counts, raises: this.raises.length, raisesFollowedByDemand: followed, bySeasons: { ...this.bySeasons } };
  }

  private forecast(now: number): ForecastResult {
    const options = forecastOptionsOf(this.config);
    const keep = historySamplesToKeep(this.config);
    const crossedWeek = options.weeklySamples !== undefined && this.history.length === 2 * options.weeklySamples;
    if (this.fit && !crossedWeek && now - this.fittedAt < this.reselectEvery) {
      this.fit.model.observe(this.history.at(-1)!);
      return resultOf(this.fit, options, Math.min(this.history.length, keep));
    }
    const recent = this.history.length > keep ? this.history.slice(-keep) : this.history;
    const fitted = fitForecast(recent, options);
    if (!fitted.ok) return fitted;
    this.fit = fitted.fit;
    this.fittedAt = now;
    return resultOf(fitted.fit, options, recent.length);
  }
}
