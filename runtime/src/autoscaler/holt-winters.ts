/**
 * Additive Holt-Winters with a damped trend, one season (a day) and optionally a second,
 * longer one (a week; Taylor's double-seasonal form, without his AR term).
 *
 * Additive, not multiplicative: demand falls to a handful of containers at night, and a
 * multiplicative season divides by that level, so one noisy night sample swings the next
 * day's whole profile; additive terms stay bounded and a forecast under 0 is clamped to 0.
 *
 * The model also backtests itself as it goes: each observation is compared with the forecasts
 * made `lead` steps earlier, for each lead (from data up to then only), and the errors of the
 * last season are kept in a ring, so the confidence is always that of the latest season.
 */

export interface HoltWintersParams {
  /** Level smoothing, 0-1. */
  readonly alpha: number;
  /** Trend smoothing, 0-1 (0 with `phi` 0: no trend). */
  readonly beta: number;
  /** Trend damping per step, 0-1. */
  readonly phi: number;
  /** Season smoothing, 0-1. */
  readonly gamma: number;
  /** Long-season smoothing, 0-1 (ignored without a long season). */
  readonly omega: number;
}

export interface HoltWintersShape {
  /** Samples per season (a day). */
  readonly season: number;
  /** Samples per long season (a week), a multiple of `season`. @default - none */
  readonly longSeason?: number;
  /** Steps ahead the self-backtest compares, one backtest each (the decision's lead, the horizon). */
  readonly leads: readonly number[];
  /**
   * Forecasts read each season as the mean of its indices within this many positions either
   * side. Each index learns from one sample a day, so alone it carries that sample's noise;
   * demand's daily profile is smooth over a few minutes. @default 0
   */
  readonly smoothing?: number;
}

/** Absolute errors and actuals over a window: WAPE = sum |error| / sum |actual|. */
export interface ErrorSums {
  readonly absError: number;
  readonly absActual: number;
  readonly samples: number;
}

export const wapeOf = (s: ErrorSums): number => (s.absActual > 0 ? s.absError / s.absActual : s.absError > 0 ? 1 : 0);

/** The mean of `values` at positions i-k..i+k (circular). */
function smoothed(values: Float64Array, i: number, k: number): number {
  const n = values.length;
  const p = i % n;
  if (k === 0) return values[p]!;
  let total = 0;
  if (p >= k && p + k < n) for (let j = p - k; j <= p + k; j += 1) total += values[j]!;
  else for (let j = p - k; j <= p + k; j += 1) total += values[(j + n) % n]!;
  return total / (2 * k + 1);
}

/** One lead's backtest: forecasts waiting for their actual, the last season's errors, the training sums. */
class Backtest {
  /** Forecasts made `lead` steps ahead, by target index modulo lead + 1. */
  private readonly pending: Float64Array;
  private readonly pendingFor: Float64Array;
  /** The last season's |error| and |actual| per position, and their sums. */
  private readonly ringError: Float64Array;
  private readonly ringActual: Float64Array;
  private filled = 0;
  private sumError = 0;
  private sumActual = 0;
  readonly training = { absError: 0, absActual: 0, samples: 0 };

  constructor(
    readonly lead: number,
    private readonly season: number,
  ) {
    this.pending = new Float64Array(lead + 1);
    this.pendingFor = new Float64Array(lead + 1).fill(-1);
    this.ringError = new Float64Array(season);
    this.ringActual = new Float64Array(season);
  }

  /** The actual of index t arrived; `training` tells whether it counts towards the choice of parameters. */
  settle(t: number, actual: number, training: boolean): void {
    const slot = t % (this.lead + 1);
    if (this.pendingFor[slot] !== t) return;
    const error = Math.abs(actual - this.pending[slot]!);
    const magnitude = Math.abs(actual);
    const r = t % this.season;
    if (this.filled === this.season) {
      this.sumError -= this.ringError[r]!;
      this.sumActual -= this.ringActual[r]!;
    } else this.filled += 1;
    this.ringError[r] = error;
    this.ringActual[r] = magnitude;
    this.sumError += error;
    this.sumActual += magnitude;
    // Recompute the sums once a season so that float drift from add/subtract cannot build up.
    if (r === 0 && this.filled === this.season) {
      this.sumError = this.ringError.reduce((a, b) => a + b, 0);
      this.sumActual = this.ringActual.reduce((a, b) => a + b, 0);
    }
    if (training) {
      this.training.absError += error;
      this.training.absActual += magnitude;
      this.training.samples += 1;
    }
  }

  expect(target: number, value: number): void {
    this.pending[target % (this.lead + 1)] = value;
    this.pendingFor[target % (this.lead + 1)] = target;
  }

  lastSeason(): ErrorSums {
    return { absError: this.sumError, absActual: this.sumActual, samples: this.filled };
  }
}

export class HoltWinters {
  private level: number;
  private trend = 0;
  private readonly seasonal: Float64Array;
  private readonly longSeasonal: Float64Array | undefined;
  /** Index of the next observation, counted from the first sample of the series. */
  private t: number;
  private readonly backtests: Backtest[];
  private trainFrom = Number.POSITIVE_INFINITY;
  private trainUntil = Number.POSITIVE_INFINITY;

  private constructor(
    readonly params: HoltWintersParams,
    readonly shape: HoltWintersShape,
    init: { level: number; seasonal: Float64Array; longSeasonal?: Float64Array; t: number },
  ) {
    this.level = init.level;
    this.seasonal = init.seasonal;
    this.longSeasonal = init.longSeasonal;
    this.t = init.t;
    this.backtests = shape.leads.map((lead) => new Backtest(lead, shape.season));
  }

  /** Samples the initial state is estimated from: one season, or one long season. */
  static initLength(shape: HoltWintersShape): number {
    return shape.longSeason ?? shape.season;
  }

  /**
   * A model initialised from the first `initLength` samples (the caller checked there are as
   * many): the level their mean, the season the mean profile over them, the long season
   * the rest, smoothed. Call `observe` for the samples after them.
   */
  static start(series: ArrayLike<number>, params: HoltWintersParams, shape: HoltWintersShape): HoltWinters {
    const m = shape.season;
    const n = HoltWinters.initLength(shape);
    let total = 0;
    for (let i = 0; i < n; i += 1) total += series[i]!;
    const level = total / n;
    const cycles = n / m;
    const seasonal = new Float64Array(m);
    for (let i = 0; i < n; i += 1) seasonal[i % m]! += (series[i]! - level) / cycles;
    let longSeasonal: Float64Array | undefined;
    if (shape.longSeason !== undefined) {
      // What the mean day does not explain, as an hour's moving average: one week holds one
      // sample per position, and that sample alone would start the long season as noise.
      const residual = Float64Array.from({ length: n }, (_, i) => series[i]! - level - seasonal[i % m]!);
      const k = Math.floor(m / 48);
      longSeasonal = Float64Array.from({ length: n }, (_, i) => {
        const lo = Math.max(0, i - k);
        const hi = Math.min(n - 1, i + k);
        let total = 0;
        for (let j = lo; j <= hi; j += 1) total += residual[j]!;
        return total / (hi - lo + 1);
      });
    }
    return new HoltWinters(params, shape, { level, seasonal, longSeasonal, t: n });
  }

  /** Errors of the observations with index in [from, until) go to `training(lead)`. */
  trainBetween(from: number, until: number): void {
    this.trainFrom = from;
    this.trainUntil = until;
  }

  /** The next sample, in order. */
  observe(y: number): void {
    const { alpha, beta, phi, gamma, omega } = this.params;
    const t = this.t;
    const training = t >= this.trainFrom && t < this.trainUntil;
    for (const b of this.backtests) b.settle(t, y, training);
    const p = t % this.shape.season;
    const s = this.seasonal[p]!;
    const q = this.longSeasonal ? t % this.longSeasonal.length : 0;
    const w = this.longSeasonal ? this.longSeasonal[q]! : 0;
    const previous = this.level;
    this.level = alpha * (y - s - w) + (1 - alpha) * (previous + phi * this.trend);
    this.trend = beta * (this.level - previous) + (1 - beta) * phi * this.trend;
    this.seasonal[p] = gamma * (y - this.level - w) + (1 - gamma) * s;
    if (this.longSeasonal) this.longSeasonal[q] = omega * (y - this.level - s) + (1 - omega) * w;
    this.t = t + 1;
    for (const b of this.backtests) b.expect(t + b.lead, this.at(b.lead));
  }

  /** Forecasts for the next `steps` samples (never below 0). */
  forecast(steps: number): number[] {
    return Array.from({ length: steps }, (_, i) => this.at(i + 1));
  }

  /** The last season's backtest at `lead` steps ahead (one of the shape's leads). */
  lastSeason(lead: number): ErrorSums {
    return this.backtest(lead).lastSeason();
  }

  /** The training window's backtest at `lead` steps ahead. */
  training(lead: number): ErrorSums {
    return { ...this.backtest(lead).training };
  }

  /** Observations so far, counting the ones the initial state was estimated from. */
  get observed(): number {
    return this.t;
  }

  private backtest(lead: number): Backtest {
    const b = this.backtests.find((x) => x.lead === lead);
    if (!b) throw new RangeError(`HoltWinters: no backtest at lead ${lead}; the leads are ${this.shape.leads.join(', ')}`);
    return b;
  }

  private at(h: number): number {
    const phi = this.params.phi;
    const damped = this.trend === 0 ? 0 : phi === 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
    const i = this.t - 1 + h;
    const w = this.longSeasonal ? smoothed(this.longSeasonal, i, this.shape.smoothing ?? 0) : 0;
    return Math.max(0, this.level + damped * this.trend + smoothed(this.seasonal, i, this.shape.smoothing ?? 0) + w);
  }
}
