/**
 * The decision core on hand-made forecasts: each baseline rule, the bounds, the predictive
 * raise only when confidence > 0.8 and rise > 50 %, sized over the lead time, following the
 * forecast above the minimum, the damped step-down, and a reason on every decision.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_AUTOSCALER_CONFIG as C, parseAutoscalerConfig, type AutoscalerConfig } from '../../../runtime/src/autoscaler/config.js';
import { decide, decideFromForecast, type ScalerState } from '../../../runtime/src/autoscaler/decide.js';
import type { ForecastResult } from '../../../runtime/src/autoscaler/forecast.js';
import { dailySine } from '../../support/demand-traces.js';
import { forecastOf } from './helpers.js';

const NOW = 1_800_000_000;
const at = (state: Partial<ScalerState> = {}): ScalerState => ({ replicas: 3, floor: 3, ...state });
const decideWith = (demand: number, forecast: ForecastResult, state: Partial<ScalerState> = {}, config: AutoscalerConfig = C) =>
  decideFromForecast({ now: NOW, demand, forecast, state: at(state) }, config);
/** Flat at `demand` for `steps` steps, then `then`. */
const stepUp = (demand: number, steps: number, then: number) => [...Array.from({ length: steps }, () => demand), then];

describe('baseline rules (replicas)', () => {
  const flat = forecastOf([20]);
  it.each([
    [{ replicas: 6, cpuPercent: 81, memoryPercent: 50 }, 9, 'scale-up', /^replicas 6 -> 9 \(x1\.5\): cpu 81 % > 80 %$/],
    [{ replicas: 6, cpuPercent: 50, memoryPercent: 86 }, 9, 'scale-up', /^replicas 6 -> 9 \(x1\.5\): memory 86 % > 85 %$/],
    [{ replicas: 15, cpuPercent: 95, memoryPercent: 50 }, 20, 'scale-up', /15 -> 20/],
    [{ replicas: 20, cpuPercent: 95, memoryPercent: 50 }, 20, 'hold', /but at the maximum 20/],
    [{ replicas: 6, cpuPercent: 29, memoryPercent: 39 }, 5, 'scale-down', /^replicas 6 -> 5: cpu 29 % < 30 % and memory 39 % < 40 %$/],
    [{ replicas: 6, cpuPercent: 29, memoryPercent: 41 }, 6, 'hold', /within the rules/],
    [{ replicas: 6, cpuPercent: 80, memoryPercent: 85 }, 6, 'hold', /within the rules/],
    [{ replicas: 3, cpuPercent: 10, memoryPercent: 10 }, 3, 'hold', /at the minimum 3/],
    [{ replicas: 6 }, 6, 'hold', /no cpu or memory signal/],
    [{ replicas: 25, cpuPercent: 50, memoryPercent: 50 }, 20, 'bounds', /25 -> 20: not a whole number within the bounds 3-20/],
    [{ replicas: 1, cpuPercent: 50, memoryPercent: 50 }, 3, 'bounds', /1 -> 3/],
    [{ replicas: 4, floor: 8, floorChangedAt: NOW, cpuPercent: 50, memoryPercent: 50 }, 8, 'floor', /8 by the floor/],
  ])('%j -> %d (%s)', (state, to, rule, reason) => {
    const d = decideWith(20, flat, state);
    expect(d.replicas).toMatchObject({ from: state.replicas, to, rule });
    expect(d.replicas.reason).toMatch(reason);
  });
});

describe('the predictive floor', () => {
  it('raises ahead of a confident rise over 50 %, sized for the peak within the lead time with headroom', () => {
    const d = decideWith(20, forecastOf(stepUp(20, 3, 100)));
    expect(d.floor).toMatchObject({ from: 3, to: 11, change: 'raise', rule: 'rise' }); // ceil(100 x 1.1 / 10)
    expect(d.floor.reason).toBe('floor 3 -> 11: forecast peak 100.0 within 150 s needs 11 pods at 10 per pod with 10 % headroom; confidence 0.95 > 0.8, expected rise 400 % > 50 % within 3600 s');
    expect(d.facts.forecast).toMatchObject({ ok: true, peakWithinLead: 100, expectedRise: 4, neededReplicas: 11, confidence: 0.95 });
    expect(d.facts).toMatchObject({ leadTimeSeconds: 105, leadSteps: 5, riseSteps: 120 });
    expect(d.replicas).toMatchObject({ to: 11, rule: 'floor' }); // the HPA cannot stay below its floor
  });

  it('does not raise at a confidence of 0.8 or less', () => {
    const d = decideWith(20, forecastOf(stepUp(20, 3, 100), 0.8));
    expect(d.floor).toMatchObject({ to: 3, change: 'hold', rule: 'at-minimum' });
    expect(d.floor.reason).toMatch(/confidence 0\.80 <= 0\.8, expected rise 400 % > 50 % within 3600 s: the forecast is not trusted/);
  });

  it('does not raise off the minimum for a rise of 50 % or less: the HPA follows it', () => {
    const d = decideWith(20, forecastOf(stepUp(20, 3, 30)));
    expect(d.facts.forecast).toMatchObject({ expectedRise: 0.5, neededReplicas: 4 });
    expect(d.floor).toMatchObject({ to: 3, change: 'hold', rule: 'no-rise' });
    expect(d.floor.reason).toMatch(/expected rise 50 % <= 50 % within 3600 s: the HPA follows the load$/);
  });

  it('looks for the rise over the rise window, and sizes on the lead window only', () => {
    // The rise is 90 minutes away: beyond the hour, no gate; within it, the gate opens, but
    // nothing is raised before the load is within the lead window.
    const far = decideWith(20, forecastOf(stepUp(20, 180, 100)));
    expect(far.facts.forecast).toMatchObject({ expectedRise: 0, neededReplicas: 3 });
    const near = decideWith(20, forecastOf(stepUp(20, 60, 100)));
    expect(near.facts.forecast).toMatchObject({ expectedRise: 4, neededReplicas: 3 });
    expect(near.floor).toMatchObject({ to: 3, change: 'hold' });
  });

  it('raises when the load is one lead time plus one period away, not earlier', () => {
    // Step k of the forecast is k periods (30 s) ahead; the lead window is 5 steps (105 s lead + 30 s).
    expect(decideWith(20, forecastOf(stepUp(20, 5, 100))).floor.change).toBe('hold'); // 180 s ahead
    expect(decideWith(20, forecastOf(stepUp(20, 4, 100))).floor).toMatchObject({ change: 'raise', to: 11 }); // 150 s ahead
    // A slower pod start lengthens the lead: 300 s + 15 s + 30 s -> 12 steps.
    const slow = parseAutoscalerConfig({ podStartSeconds: 300 });
    expect(decideWith(20, forecastOf(stepUp(20, 11, 100), 0.95, slow), {}, slow).floor).toMatchObject({ change: 'raise', to: 11 });
    expect(decideWith(20, forecastOf(stepUp(20, 12, 100), 0.95, slow), {}, slow).floor.change).toBe('hold');
  });

  it('above the minimum, follows a confident forecast up without the rise gate', () => {
    const d = decideWith(80, forecastOf([95]), { floor: 8 });
    expect(d.facts.forecast).toMatchObject({ neededReplicas: 11 });
    expect(d.floor).toMatchObject({ from: 8, to: 11, change: 'raise', rule: 'following' });
    expect(d.floor.reason).toMatch(/following the forecast since the floor left the minimum/);
  });

  it('never raises above the maximum', () => {
    expect(decideWith(20, forecastOf(stepUp(20, 2, 1000))).floor).toMatchObject({ to: 20, change: 'raise' });
  });

  it('holds while the forecast needs the floor, with the wider headroom for coming down', () => {
    // floor 11: 95 needs 11 (10 %), 85 needs 11 with 20 %; 80 needs 10 with 20 %.
    expect(decideWith(95, forecastOf([95]), { floor: 11 }).floor).toMatchObject({ to: 11, rule: 'needed' });
    expect(decideWith(85, forecastOf([85]), { floor: 11 }).floor).toMatchObject({ to: 11, rule: 'needed' });
    expect(decideWith(80, forecastOf([80]), { floor: 11 }).floor).toMatchObject({ to: 10, change: 'lower', rule: 'step-down' });
  });

  it('comes down one step at a time, at most once per four periods', () => {
    const low = forecastOf([20]);
    expect(decideWith(20, low, { floor: 12, floorChangedAt: NOW - 4 * 30 }).floor).toMatchObject({ from: 12, to: 11, change: 'lower', rule: 'step-down' });
    const held = decideWith(20, low, { floor: 12, floorChangedAt: NOW - 3 * 30 });
    expect(held.floor).toMatchObject({ to: 12, change: 'hold', rule: 'damped' });
    expect(held.floor.reason).toMatch(/next step down in 1 period \(one per 4\)$/);
    expect(held.facts.periodsSinceFloorChange).toBe(3);
    // Unknown change time (a new leader without the annotation): one step, not a jump.
    expect(decideWith(20, low, { floor: 12 }).floor).toMatchObject({ to: 11, change: 'lower' });
    // Bigger steps stop at the minimum.
    const big = parseAutoscalerConfig({ floorStepDown: 4 });
    expect(decideWith(20, low, { floor: 5 }, big).floor).toMatchObject({ to: 3 });
    expect(decideWith(20, low, { floor: 12 }, big).floor).toMatchObject({ to: 8 });
  });

  it('walks back to the minimum in steps when the forecast is no longer trusted or missing', () => {
    const untrusted = decideWith(80, forecastOf([150], 0.5), { floor: 12 });
    expect(untrusted.floor).toMatchObject({ to: 11, change: 'lower' });
    expect(untrusted.floor.reason).toMatch(/one step towards 3: confidence 0\.50 <= 0\.8/);
    const refused: ForecastResult = { ok: false, reason: 'insufficient-history', message: 'No forecast: 10 samples of history, 5760 needed.', historySamples: 10, needSamples: 5760 };
    const missing = decideWith(80, refused, { floor: 12 });
    expect(missing.floor).toMatchObject({ to: 11, change: 'lower' });
    expect(missing.floor.reason).toBe('floor 12 -> 11, one step towards 3: no forecast (insufficient-history: No forecast: 10 samples of history, 5760 needed.)');
    expect(missing.facts.forecast).toEqual({ ok: false, reason: 'insufficient-history', message: 'No forecast: 10 samples of history, 5760 needed.' });
  });

  it('brings a floor outside the bounds back at once', () => {
    // Down to the maximum, and the step down towards the forecast's need waits for the next decision.
    expect(decideWith(20, forecastOf([20]), { floor: 30 }).floor).toMatchObject({ from: 30, to: 20, change: 'lower' });
    const d = decideWith(20, forecastOf([20]), { floor: 1 });
    expect(d.floor).toMatchObject({ from: 1, to: 3, change: 'raise' });
    expect(d.floor.reason).toMatch(/^floor 1 is not a whole number within the bounds 3-20, taken as 3; floor 3 held/);
  });
});

describe('decide (from the history)', () => {
  it('makes no prediction below two days of history, and says so', () => {
    const history = dailySine(40, 20, 2880, 1);
    const d = decide({ now: NOW, history, state: at({ floor: 5 }) }, C);
    expect(d.facts.forecast).toMatchObject({ ok: false, reason: 'insufficient-history' });
    expect(d.floor).toMatchObject({ to: 4, change: 'lower' });
    expect(d.reason).toMatch(/^floor 5 -> 4, one step towards 3: no forecast \(insufficient-history: No forecast: 2880 samples of history, 5760 needed/);
  });

  it('raises ahead of a daily rise it has seen twice', () => {
    // Two and a half days at 30 s: night at 20 containers, a jump to 100 at the same time each day.
    const perDay = 2880;
    const shape = (i: number) => ((i % perDay) >= 1440 && (i % perDay) < 2000 ? 100 : 20);
    const history = Array.from({ length: 2 * perDay + 1437 }, (_, i) => shape(i));
    const d = decide({ now: NOW, history, state: at() }, C);
    expect(d.facts.forecast).toMatchObject({ ok: true });
    expect(d.floor).toMatchObject({ change: 'raise', rule: 'rise' });
    expect(d.floor.to).toBeGreaterThanOrEqual(10);
  });

  it('is a pure function of its input', () => {
    const history = dailySine(60, 40, 288, 3, 3);
    const config = parseAutoscalerConfig({ periodSeconds: 300, riseWindowSeconds: 3600 });
    const input = { now: NOW, history, state: at({ floor: 6, floorChangedAt: NOW - 900, cpuPercent: 50, memoryPercent: 50 }) };
    expect(decide(input, config)).toEqual(decide(structuredClone(input), config));
  });
});
