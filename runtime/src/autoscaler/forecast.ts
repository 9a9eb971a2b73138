/**
 * The seasonal forecast of demand: Holt-Winters (holt-winters.ts) over the history the leader
 * keeps, one sample per evaluation period, with a confidence from its own backtest.
 *
 * - Below two seasons of history it does not predict, and says so in its result: one season
 *   to learn the profile from, one held out to measure the confidence on.
 * - With two long seasons (weeks) it also tries the double-seasonal model and keeps it when
 *   it forecast the training part better.
 * - Parameters come from a small grid, judged on the training part only (the history before
 *   the last season) by the mean WAPE of the forecasts `lead` and `steps` ahead (a model must
 *   do both: the decision sizes pods on the lead and looks for a rise over the horizon); with
 *   too little training data, fixed defaults.
 * - The confidence is 1 - WAPE of the `lead`-step-ahead forecasts over the last season, which
 *   the choice never saw, clamped to [0, 1]: what pods being ready in time depends on. The
 *   horizon's WAPE is reported beside it. WAPE (sum |error| / sum demand) rather than MAPE or
 *   sMAPE: demand falls to a few containers at night, where a percentage error per sample
 *   explodes.
 *
 * Deterministic, no I/O, no clock.
 */
import { HoltWinters, wapeOf, type HoltWintersParams, type HoltWintersShape } from './holt-winters.js';

export interface ForecastOptions {
  /** Samples per season (a day at the evaluation period: 2880 at 30 s). */
  readonly seasonSamples: number;
  /** Samples per long season (a week), a multiple of `seasonSamples`. @default - none */
  readonly weeklySamples?: number;
  /** Values to forecast: steps 1..steps ahead. */
  readonly steps: number;
  /** Steps ahead the confidence is measured at. @default - `steps` */
  readonly lead?: number;
  /** Fixed parameters instead of the grid (e.g. the last fit's, to refit cheaply). @default - chosen from the grid */
  readonly params?: HoltWintersParams & { readonly weekly: boolean };
}

export interface ForecastModel {
  /** Season lengths in samples: `[season]`, or `[season, longSeason]`. */
  readonly seasons: readonly number[];
  readonly params: HoltWintersParams;
  /** How the parameters were chosen. */
  readonly chosenBy: 'grid' | 'defaults' | 'given';
}

export interface ForecastOk {
  readonly ok: true;
  /** Demand forecast for steps 1..steps ahead, never below 0. */
  readonly values: readonly number[];
  /** 1 - WAPE of the held-out season's backtest at `lead`, in [0, 1]. */
  readonly confidence: number;
  /** The held-out season's backtest at `lead`, then at `steps` (the whole horizon) when they differ. */
  readonly backtest: ReadonlyArray<{ readonly lead: number; readonly wape: number; readonly samples: number }>;
  readonly model: ForecastModel;
  readonly historySamples: number;
}

export type ForecastRefusalReason = 'insufficient-history' | 'invalid-history';

export interface ForecastRefusal {
  readonly ok: false;
  readonly reason: ForecastRefusalReason;
  readonly message: string;
  readonly historySamples: number;
  /** Samples needed before a forecast (with `insufficient-history`). */
  readonly needSamples?: number;
}

export type ForecastResult = ForecastOk | ForecastRefusal;

/** A fitted model to continue online (`observe`, `forecast`), as the bench does between fits. */
export interface Fit {
  readonly model: HoltWinters;
  readonly description: ForecastModel;
  readonly weekly: boolean;
}

/** Used when the training part is too short to judge the grid on. */
export const DEFAULT_PARAMS: HoltWintersParams = Object.freeze({ alpha: 0.15, beta: 0, phi: 0, gamma: 0.15, omega: 0.1 });

const GRID_ALPHA = [0.05, 0.15, 0.4];
const GRID_TREND = { beta: 0.05, phi: 0.95 };
const GRID_GAMMA = [0.05, 0.15, 0.4];
const GRID_OMEGA = [0.1, 0.3];

/** The forecast of `history` (oldest first, one sample per period), or why there is none. */
export function forecast(history: ArrayLike<number>, options: ForecastOptions): ForecastResult {
  const fitted = fit(history, options);
  if (!fitted.ok) return fitted;
  return resultOf(fitted.fit, options, history.length);
}

/** The forecast result of a fitted model in its current state. */
export function resultOf(f: Fit, options: Pick<ForecastOptions, 'steps'>, historySamples: number): ForecastOk {
  const backtest = f.model.shape.leads.map((lead) => {
    const sums = f.model.lastSeason(lead);
    return { lead, wape: wapeOf(sums), samples: sums.samples };
  });
  return {
    ok: true,
    values: f.model.forecast(options.steps),
    confidence: Math.min(1, Math.max(0, 1 - backtest[0]!.wape)),
    backtest,
    model: f.description,
    historySamples,
  };
}

/** Fits the model to the whole history (choosing parameters unless given). */
export function fit(history: ArrayLike<number>, options: ForecastOptions): { ok: true; fit: Fit } | ForecastRefusal {
  checkOptions(options);
  const n = history.length;
  for (let i = 0; i < n; i += 1) {
    const y = history[i]!;
    if (!Number.isFinite(y) || y < 0) {
      return { ok: false, reason: 'invalid-history', message: `Sample ${i} of the history is ${y}; demand must be a finite number of at least 0.`, historySamples: n };
    }
  }
  const m = options.seasonSamples;
  if (n < 2 * m) {
    return {
      ok: false,
      reason: 'insufficient-history',
      message: `No forecast: ${n} samples of history, ${2 * m} needed (two seasons of ${m}: one to learn the daily profile, one to measure the confidence on).`,
      historySamples: n,
      needSamples: 2 * m,
    };
  }
  const lead = options.lead ?? options.steps;
  const leads = lead === options.steps ? [lead] : [lead, options.steps];
  const weeklyPossible = options.weeklySamples !== undefined && n >= 2 * options.weeklySamples;
  // About a minute either side at a 30 s period (2 positions of 2880); none on coarse seasons.
  const smoothing = Math.floor(m / 1440);
  const shapeOf = (weekly: boolean): HoltWintersShape => (weekly ? { season: m, longSeason: options.weeklySamples, leads, smoothing } : { season: m, leads, smoothing });
  if (options.params) {
    const weekly = options.params.weekly && weeklyPossible;
    return { ok: true, fit: { model: run(history, options.params, shapeOf(weekly)), description: describe(options.params, shapeOf(weekly), 'given'), weekly } };
  }
  // Judge candidates on the same training window: after the longest initialisation (plus the
  // horizon, for the first forecasts to come due), before the held-out season; by the mean
  // WAPE over the leads, so a model must forecast both the lead and the horizon well.
  const from = HoltWinters.initLength(shapeOf(weeklyPossible)) + Math.max(...leads);
  const until = n - m;
  if (until - from < m / 2) {
    return { ok: true, fit: { model: run(history, DEFAULT_PARAMS, shapeOf(false)), description: describe(DEFAULT_PARAMS, shapeOf(false), 'defaults'), weekly: false } };
  }
  // Level and season(s) first, without a trend; then the damped trend on the best of those.
  let best: { model: HoltWinters; error: number; weekly: boolean } | undefined;
  const consider = (params: HoltWintersParams, weekly: boolean) => {
    const model = run(history, params, shapeOf(weekly), from, until);
    const error = leads.reduce((a, l) => a + wapeOf(model.training(l)), 0) / leads.length;
    // Strictly better only: ties keep the earlier, simpler candidate (daily before weekly, no trend before trend).
    if (!best || error < best.error - 1e-12) best = { model, error, weekly };
  };
  for (const weekly of weeklyPossible ? [false, true] : [false]) {
    for (const alpha of GRID_ALPHA) for (const gamma of GRID_GAMMA) for (const omega of weekly ? GRID_OMEGA : [0]) consider({ alpha, beta: 0, phi: 0, gamma, omega }, weekly);
  }
  const chosen: { model: HoltWinters; weekly: boolean } = best!;
  consider({ ...chosen.model.params, ...GRID_TREND }, chosen.weekly);
  return { ok: true, fit: { model: best!.model, description: describe(best!.model.params, best!.model.shape, 'grid'), weekly: best!.weekly } };
}

function run(history: ArrayLike<number>, params: HoltWintersParams, shape: HoltWintersShape, from?: number, until?: number): HoltWinters {
  const model = HoltWinters.start(history, params, shape);
  if (from !== undefined && until !== undefined) model.trainBetween(from, until);
  for (let i = model.observed; i < history.length; i += 1) model.observe(history[i]!);
  return model;
}

function describe(params: HoltWintersParams, shape: HoltWintersShape, chosenBy: ForecastModel['chosenBy']): ForecastModel {
  const { alpha, beta, phi, gamma, omega } = params;
  return { seasons: shape.longSeason ? [shape.season, shape.longSeason] : [shape.season], params: { alpha, beta, phi, gamma, omega: shape.longSeason ? omega : 0 }, chosenBy };
}

/** Programming errors (the config schema rules these out for users). */
function checkOptions(o: ForecastOptions): void {
  const whole = (v: number | undefined, min: number) => v === undefined || (Number.isInteger(v) && v >= min);
  if (!whole(o.seasonSamples, 2)) throw new RangeError(`forecast: seasonSamples must be a whole number of at least 2, not ${o.seasonSamples}`);
  if (!whole(o.steps, 1) || !whole(o.lead, 1)) throw new RangeError(`forecast: steps and lead must be whole numbers of at least 1, not ${o.steps} and ${o.lead}`);
  if (o.weeklySamples !== undefined && (!whole(o.weeklySamples, 2 * o.seasonSamples) || o.weeklySamples % o.seasonSamples !== 0)) {
    throw new RangeError(`forecast: weeklySamples must be a whole number of seasons (${o.seasonSamples}), at least two, not ${o.weeklySamples}`);
  }
}
