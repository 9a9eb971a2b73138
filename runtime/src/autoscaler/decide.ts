/**
 * The decision core: (history or its forecast, the current state, the configuration) in, a
 * decision out. Pure and deterministic: no I/O, no clock (the time is an input).
 *
 * Two parts, each with its reason:
 * - **replicas**, the original's rules as the baseline: x1.5 over 80 % cpu or 85 % memory,
 *   one down under 30 % cpu and 40 % memory, within the bounds. Where an HPA runs it owns
 *   `replicas`, so this part is what recommendation mode records.
 * - **floor**, the HPA's `minReplicas`: raised off the minimum ahead of a forecast rise when
 *   the forecast's confidence is over `minConfidence` and the expected rise (within
 *   `riseWindowSeconds`) over `minRise`; sized for the peak within the lead time (pod start +
 *   one HPA sync) plus one period, so pods are ready when the load arrives; above the
 *   minimum it follows the confident forecast up; it comes down towards what the forecast
 *   needs with `floorLowerHeadroom` (the minimum without a confident forecast) by
 *   `floorStepDown` at most once per `floorStepDownEveryPeriods`, never in one jump.
 */
import { leadStepsOf, leadTimeSecondsOf, riseStepsOf, seasonSamplesOf, weeklySamplesOf, type AutoscalerConfig } from './config.js';
import { forecast as forecastOf, type ForecastResult } from './forecast.js';

export interface ScalerState {
  /** Replicas now (the HPA's `status.currentReplicas`). */
  readonly replicas: number;
  /** The floor now (the HPA's `spec.minReplicas`). */
  readonly floor: number;
  /** When the floor last changed, in the same seconds as `now`. @default - unknown: a step down may come at once */
  readonly floorChangedAt?: number;
  /** Average cpu over the replicas, percent of requests. @default - no signal: the baseline rule holds */
  readonly cpuPercent?: number;
  /** Average memory over the replicas, percent of requests. @default - no signal: the baseline rule holds */
  readonly memoryPercent?: number;
}

export interface DecisionInput {
  /** Seconds (any origin, e.g. the epoch) of the latest sample. */
  readonly now: number;
  /** Demand per period, oldest first, the last one taken at `now` (active containers cluster-wide). */
  readonly history: ArrayLike<number>;
  readonly state: ScalerState;
}

export interface ForecastDecisionInput {
  readonly now: number;
  /** The latest demand sample. */
  readonly demand: number;
  /** A forecast of at least `forecastStepsOf(config)` steps, or why there is none. */
  readonly forecast: ForecastResult;
  readonly state: ScalerState;
}

export type FloorChange = 'raise' | 'lower' | 'hold';

/**
 * Why the floor did what it did: `rise` raised through the gate (confidence and rise);
 * `following` raised by a confident forecast while the floor is above the minimum; `no-rise`
 * held though the forecast needs more, the gate being closed; `needed` held, the forecast
 * still needs it; `damped` held, the next step down not due; `step-down` lowered one step;
 * `at-minimum` held at the configured minimum.
 */
export type FloorRule = 'rise' | 'following' | 'no-rise' | 'needed' | 'damped' | 'step-down' | 'at-minimum';
export type ReplicaRule = 'scale-up' | 'scale-down' | 'hold' | 'floor' | 'bounds';

export interface ForecastFacts {
  readonly ok: true;
  readonly confidence: number;
  /** Highest forecast within the lead window (steps 1..leadSteps). */
  readonly peakWithinLead: number;
  /** Highest forecast within the rise window. */
  readonly peakWithinRiseWindow: number;
  /** peakWithinRiseWindow / max(demand, 1) - 1. */
  readonly expectedRise: number;
  /** Pods for peakWithinLead with `floorHeadroom`, within the bounds: what a raise sets. */
  readonly neededReplicas: number;
  /** Pods for peakWithinLead with `floorLowerHeadroom`: the floor comes down only towards this. */
  readonly keptReplicas: number;
  readonly seasons: readonly number[];
}

export interface DecisionFacts {
  readonly now: number;
  readonly demand: number;
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly bounds: { readonly min: number; readonly max: number };
  readonly leadTimeSeconds: number;
  readonly leadSteps: number;
  readonly riseSteps: number;
  readonly forecast: ForecastFacts | { readonly ok: false; readonly reason: string; readonly message: string };
  /** Whole periods since the floor last changed, null when unknown. */
  readonly periodsSinceFloorChange: number | null;
}

export interface Decision {
  readonly floor: { readonly from: number; readonly to: number; readonly change: FloorChange; readonly rule: FloorRule; readonly reason: string };
  readonly replicas: { readonly from: number; readonly to: number; readonly rule: ReplicaRule; readonly reason: string };
  /** Both reasons in one line, for logs and the outbox. */
  readonly reason: string;
  readonly facts: DecisionFacts;
}

/** Steps of forecast a decision reads: the longer of the lead and the rise window. */
export const forecastStepsOf = (c: AutoscalerConfig): number => Math.max(leadStepsOf(c), riseStepsOf(c));

/** The forecast options a decision needs (for callers that fit the model themselves). */
export const forecastOptionsOf = (c: AutoscalerConfig) => ({
  seasonSamples: seasonSamplesOf(c),
  ...(c.weeklySeasonSeconds > 0 ? { weeklySamples: weeklySamplesOf(c) } : {}),
  steps: forecastStepsOf(c),
  lead: leadStepsOf(c),
});

/** Forecasts the history, then decides. */
export function decide(input: DecisionInput, config: AutoscalerConfig): Decision {
  const n = input.history.length;
  const demand = n > 0 ? input.history[n - 1]! : 0;
  return decideFromForecast({ now: input.now, demand, state: input.state, forecast: forecastOf(input.history, forecastOptionsOf(config)) }, config);
}

export function decideFromForecast(input: ForecastDecisionInput, config: AutoscalerConfig): Decision {
  const { minReplicas: min, maxReplicas: max } = config;
  const clamp = (v: number) => Math.min(max, Math.max(min, Number.isFinite(v) ? Math.round(v) : min));
  const demand = Number.isFinite(input.demand) && input.demand > 0 ? input.demand : 0;
  // Whole periods, within 1 % of one: a leader's timer that fires a few ms early still counts.
  const periodsSince = input.state.floorChangedAt === undefined || !Number.isFinite(input.state.floorChangedAt)
    ? null
    : Math.max(0, Math.floor((input.now - input.state.floorChangedAt) / config.periodSeconds + 0.01));
  const forecast = forecastFacts(input.forecast, demand, config, clamp);
  const floor = decideFloor(input.state.floor, forecast, periodsSince, config, clamp);
  const replicas = decideReplicas(input.state, floor.to, config, clamp);
  return {
    floor,
    replicas,
    reason: `${floor.reason}; ${replicas.reason}`,
    facts: {
      now: input.now,
      demand,
      cpuPercent: signal(input.state.cpuPercent),
      memoryPercent: signal(input.state.memoryPercent),
      bounds: { min, max },
      leadTimeSeconds: leadTimeSecondsOf(config),
      leadSteps: leadStepsOf(config),
      riseSteps: riseStepsOf(config),
      forecast,
      periodsSinceFloorChange: periodsSince,
    },
  };
}

function forecastFacts(f: ForecastResult, demand: number, c: AutoscalerConfig, clamp: (v: number) => number): DecisionFacts['forecast'] {
  if (!f.ok) return { ok: false, reason: f.reason, message: f.message };
  const lead = leadStepsOf(c);
  const rise = riseStepsOf(c);
  if (f.values.length < Math.max(lead, rise)) {
    return { ok: false, reason: 'short-forecast', message: `The forecast has ${f.values.length} steps; ${Math.max(lead, rise)} are needed (lead ${lead}, rise window ${rise}).` };
  }
  const peak = (steps: number) => f.values.slice(0, steps).reduce((a, b) => Math.max(a, b), 0);
  const peakWithinLead = peak(lead);
  const peakWithinRiseWindow = peak(rise);
  return {
    ok: true,
    confidence: f.confidence,
    peakWithinLead,
    peakWithinRiseWindow,
    expectedRise: peakWithinRiseWindow / Math.max(demand, 1) - 1,
    neededReplicas: clamp(podsFor(peakWithinLead, c.floorHeadroom, c.perPodTarget)),
    keptReplicas: clamp(podsFor(peakWithinLead, c.floorLowerHeadroom, c.perPodTarget)),
    seasons: f.model.seasons,
  };
}

function decideFloor(current: number, f: DecisionFacts['forecast'], periodsSince: number | null, c: AutoscalerConfig, clamp: (v: number) => number): Decision['floor'] {
  const start = clamp(current);
  const decided = decideFloorWithin(start, f, periodsSince, c);
  if (start === current) return { from: current, ...decided };
  // A floor outside the bounds (a hand edit, a changed config) comes back at once, and then
  // may still be raised; a step down waits for the next decision, so no decision drops more.
  const to = decided.change === 'lower' ? start : decided.to;
  const change: FloorChange = to > current ? 'raise' : to < current ? 'lower' : 'hold';
  return { from: current, to, change, rule: decided.rule, reason: `floor ${fmt(current)} is not a whole number within the bounds ${c.minReplicas}-${c.maxReplicas}, taken as ${start}; ${decided.reason}` };
}

function decideFloorWithin(start: number, f: DecisionFacts['forecast'], periodsSince: number | null, c: AutoscalerConfig): Omit<Decision['floor'], 'from'> {
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  let target: number;
  let why: string;
  if (!f.ok) {
    target = c.minReplicas;
    why = `no forecast (${f.reason}: ${f.message})`;
  } else {
    const confident = f.confidence > c.minConfidence;
    const rising = f.expectedRise > c.minRise;
    const forecastWords = `forecast peak ${f.peakWithinLead.toFixed(1)} within ${leadStepsOf(c) * c.periodSeconds} s needs ${f.neededReplicas} pods at ${c.perPodTarget} per pod with ${pct(c.floorHeadroom)} headroom`;
    const gate = `confidence ${f.confidence.toFixed(2)} ${confident ? '>' : '<='} ${c.minConfidence}, expected rise ${pct(f.expectedRise)} ${rising ? '>' : '<='} ${pct(c.minRise)} within ${c.riseWindowSeconds} s`;
    // The rise gate decides when the leader takes over from the HPA's reactive scaling; once the
    // floor is above the minimum it follows its (still confident) forecast until it is back there.
    const following = start > c.minReplicas;
    if (!confident) {
      target = c.minReplicas;
      why = `${gate}: the forecast is not trusted`;
    } else if (f.neededReplicas > start) {
      if (rising) return { to: f.neededReplicas, change: 'raise', rule: 'rise', reason: `floor ${start} -> ${f.neededReplicas}: ${forecastWords}; ${gate}` };
      if (following) return { to: f.neededReplicas, change: 'raise', rule: 'following', reason: `floor ${start} -> ${f.neededReplicas}: ${forecastWords}; confidence ${f.confidence.toFixed(2)} > ${c.minConfidence}, following the forecast since the floor left the minimum` };
      return { to: start, change: 'hold', rule: 'no-rise', reason: `floor ${start} held: ${forecastWords}, but ${gate}: the HPA follows the load` };
    } else {
      target = f.keptReplicas;
      why = `${forecastWords}, ${f.keptReplicas} with ${pct(c.floorLowerHeadroom)}`;
    }
  }
  if (target >= start) return { to: start, change: 'hold', rule: start === c.minReplicas ? 'at-minimum' : 'needed', reason: `floor ${start} held: ${why}` };
  if (periodsSince !== null && periodsSince < c.floorStepDownEveryPeriods) {
    const wait = c.floorStepDownEveryPeriods - periodsSince;
    return { to: start, change: 'hold', rule: 'damped', reason: `floor ${start} held: ${why}; next step down in ${wait} period${wait === 1 ? '' : 's'} (one per ${c.floorStepDownEveryPeriods})` };
  }
  const to = start - Math.min(c.floorStepDown, start - target);
  return { to, change: 'lower', rule: 'step-down', reason: `floor ${start} -> ${to}, one step towards ${target}: ${why}` };
}

function decideReplicas(state: ScalerState, floor: number, c: AutoscalerConfig, clamp: (v: number) => number): Decision['replicas'] {
  const from = state.replicas;
  const start = clamp(from);
  const cpu = signal(state.cpuPercent);
  const memory = signal(state.memoryPercent);
  let to = start;
  let rule: ReplicaRule = start === from ? 'hold' : 'bounds';
  let reason = start === from ? `replicas ${start} held` : `replicas ${fmt(from)} -> ${start}: not a whole number within the bounds ${c.minReplicas}-${c.maxReplicas}`;
  const signals = `cpu ${cpu === null ? 'unknown' : `${Math.round(cpu)} %`}, memory ${memory === null ? 'unknown' : `${Math.round(memory)} %`}`;
  if (cpu === null || memory === null) {
    reason += `: no cpu or memory signal (${signals})`;
  } else if (cpu > c.scaleUpCpuPercent || memory > c.scaleUpMemoryPercent) {
    to = clamp(Math.ceil(start * c.scaleUpFactor));
    const over = cpu > c.scaleUpCpuPercent ? `cpu ${Math.round(cpu)} % > ${c.scaleUpCpuPercent} %` : `memory ${Math.round(memory)} % > ${c.scaleUpMemoryPercent} %`;
    if (to > start) [rule, reason] = ['scale-up', `replicas ${start} -> ${to} (x${c.scaleUpFactor}): ${over}`];
    else reason += `: ${over}, but at the maximum ${c.maxReplicas}`;
  } else if (cpu < c.scaleDownCpuPercent && memory < c.scaleDownMemoryPercent) {
    to = clamp(start - c.scaleDownStep);
    if (to < start) [rule, reason] = ['scale-down', `replicas ${start} -> ${to}: cpu ${Math.round(cpu)} % < ${c.scaleDownCpuPercent} % and memory ${Math.round(memory)} % < ${c.scaleDownMemoryPercent} %`];
    else reason += `: ${signals}, at the minimum ${c.minReplicas}`;
  } else {
    reason += `: ${signals} within the rules`;
  }
  if (to < floor) return { from, to: floor, rule: 'floor', reason: `${reason}; ${floor} by the floor` };
  return { from, to, rule, reason };
}

/** Pods for `demand` with `headroom`; 1e-9 below, so that 100 x 1.1 / 10 is 11 pods and not 12. */
export const podsFor = (demand: number, headroom: number, perPod: number): number => Math.ceil((demand * (1 + headroom)) / perPod - 1e-9);

const signal = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
const fmt = (v: number): string => (Number.isFinite(v) ? String(v) : 'unset');
