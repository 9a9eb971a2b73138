/**
 * The seasonal forecast: it recovers a seasonal signal, refuses (with a reason) below two
 * seasons, its confidence is high on clean seasonal data and low on noise, it uses the weekly
 * season once there are two weeks and it helps, and it is deterministic.
 */
import { describe, expect, it } from 'vitest';
import { fit, forecast, resultOf, type ForecastOk } from '../../../runtime/src/autoscaler/forecast.js';
import { dailySine, gaussian, prng } from '../../support/demand-traces.js';

const PER_DAY = 288; // a 300 s period: small seasons keep these tests fast
const sine = (i: number) => 80 + 60 * Math.sin((2 * Math.PI * i) / PER_DAY);
const wape = (actual: readonly number[], predicted: readonly number[]) =>
  actual.reduce((a, y, i) => a + Math.abs(y - predicted[i]!), 0) / actual.reduce((a, y) => a + y, 0);
const ok = (r: ReturnType<typeof forecast>): ForecastOk => {
  if (!r.ok) throw new Error(`no forecast: ${r.message}`);
  return r;
};

describe('forecast', () => {
  it('recovers a daily signal a day ahead, from four noisy days', () => {
    const history = dailySine(80, 60, PER_DAY, 4, 3);
    const r = ok(forecast(history, { seasonSamples: PER_DAY, steps: PER_DAY, lead: 2 }));
    const truth = Array.from({ length: PER_DAY }, (_, i) => sine(history.length + i));
    expect(wape(truth, r.values)).toBeLessThan(0.04);
    expect(r.confidence).toBeGreaterThan(0.95);
    expect(r.model).toMatchObject({ seasons: [PER_DAY], chosenBy: 'grid' });
    expect(r.historySamples).toBe(4 * PER_DAY);
  });

  it('works at the default size (2880 samples a day at 30 s)', () => {
    const history = dailySine(80, 60, 2880, 3, 2);
    const r = ok(forecast(history, { seasonSamples: 2880, weeklySamples: 20_160, steps: 120, lead: 5 }));
    const truth = Array.from({ length: 5 }, (_, i) => 80 + 60 * Math.sin((2 * Math.PI * (history.length + i)) / 2880));
    r.values.slice(0, 5).forEach((v, i) => expect(Math.abs(v - truth[i]!)).toBeLessThan(4));
    expect(r.values).toHaveLength(120);
    expect(r.model.seasons).toEqual([2880]); // three days: no weekly season yet
  });

  it('refuses below two seasons, saying why and how much history it needs', () => {
    const r = forecast(dailySine(80, 60, PER_DAY, 2).slice(1), { seasonSamples: PER_DAY, steps: 12 });
    expect(r).toEqual({
      ok: false,
      reason: 'insufficient-history',
      message: 'No forecast: 575 samples of history, 576 needed (two seasons of 288: one to learn the daily profile, one to measure the confidence on).',
      historySamples: 575,
      needSamples: 576,
    });
    expect(forecast([], { seasonSamples: PER_DAY, steps: 1 })).toMatchObject({ ok: false, reason: 'insufficient-history', historySamples: 0 });
  });

  it('forecasts from exactly two seasons, with fixed default parameters (nothing left to choose them on)', () => {
    const r = ok(forecast(dailySine(80, 60, PER_DAY, 2, 1), { seasonSamples: PER_DAY, steps: 12, lead: 2 }));
    expect(r.model).toEqual({ seasons: [PER_DAY], params: { alpha: 0.15, beta: 0, phi: 0, gamma: 0.15, omega: 0 }, chosenBy: 'defaults' });
    expect(r.backtest).toEqual([
      { lead: 2, wape: expect.any(Number), samples: PER_DAY - 2 }, // the held-out season, less the lead
      { lead: 12, wape: expect.any(Number), samples: PER_DAY - 12 },
    ]);
  });

  it('refuses a history with a sample that is not a demand', () => {
    const history = dailySine(80, 60, PER_DAY, 3);
    history[7] = Number.NaN;
    expect(forecast(history, { seasonSamples: PER_DAY, steps: 1 })).toMatchObject({
      ok: false,
      reason: 'invalid-history',
      message: 'Sample 7 of the history is NaN; demand must be a finite number of at least 0.',
    });
    history[7] = -1;
    expect(forecast(history, { seasonSamples: PER_DAY, steps: 1 })).toMatchObject({ reason: 'invalid-history' });
  });

  it('is confident on clean seasonal data and not on noise', () => {
    const options = { seasonSamples: PER_DAY, steps: 12, lead: 2 };
    const clean = ok(forecast(dailySine(80, 60, PER_DAY, 4, 1), options));
    const random = prng(7);
    const noise = ok(forecast(Array.from({ length: 4 * PER_DAY }, () => random() * 100), options));
    const noisySeason = ok(forecast(dailySine(80, 60, PER_DAY, 4, 25, 3), options));
    expect(clean.confidence).toBeGreaterThan(0.95);
    expect(noise.confidence).toBeLessThan(0.6);
    expect(noisySeason.confidence).toBeGreaterThan(noise.confidence);
    expect(noisySeason.confidence).toBeLessThan(clean.confidence);
    // The confidence is 1 - WAPE of the held-out season's backtest.
    expect(noise.confidence).toBeCloseTo(1 - noise.backtest[0]!.wape, 12);
  });

  it('uses the weekly season once there are two weeks, and then forecasts a quiet Saturday', () => {
    const perDay = 96; // 900 s
    const normal = gaussian(prng(11));
    // Day 0 is a Monday; weekends run at a fifth of a weekday's daytime.
    const at = (i: number) => {
      const day = Math.floor(i / perDay) % 7;
      const daytime = Math.max(0, Math.sin((Math.PI * (i % perDay)) / perDay));
      return 20 + (day >= 5 ? 0.2 : 1) * 120 * daytime;
    };
    const history = Array.from({ length: 19 * perDay }, (_, i) => Math.max(0, at(i) + 2 * normal())); // through Friday of week 3
    const saturday = Array.from({ length: perDay }, (_, i) => at(history.length + i));
    const weekly = ok(forecast(history, { seasonSamples: perDay, weeklySamples: 7 * perDay, steps: perDay, lead: 2 }));
    const dailyOnly = ok(forecast(history, { seasonSamples: perDay, steps: perDay, lead: 2 }));
    expect(weekly.model.seasons).toEqual([perDay, 7 * perDay]);
    expect(wape(saturday, weekly.values)).toBeLessThan(0.25);
    expect(wape(saturday, weekly.values)).toBeLessThan(wape(saturday, dailyOnly.values) / 2);
    // Thirteen days are not two weeks: the daily season alone.
    expect(ok(forecast(history.slice(0, 13 * perDay), { seasonSamples: perDay, weeklySamples: 7 * perDay, steps: 1 })).model.seasons).toEqual([perDay]);
  });

  it('never forecasts below zero demand', () => {
    const history = dailySine(5, 20, PER_DAY, 3, 2).map((v) => Math.max(0, v));
    expect(Math.min(...ok(forecast(history, { seasonSamples: PER_DAY, steps: PER_DAY })).values)).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic and leaves its input alone', () => {
    const history = dailySine(80, 60, PER_DAY, 3, 5);
    const copy = [...history];
    const options = { seasonSamples: PER_DAY, steps: 24, lead: 2 };
    expect(forecast(history, options)).toEqual(forecast(copy, options));
    expect(history).toEqual(copy);
  });

  it('continued online gives what a fresh fit with the same parameters gives', () => {
    const history = dailySine(80, 60, PER_DAY, 4, 4);
    const options = { seasonSamples: PER_DAY, steps: 12, lead: 2 };
    const fitted = fit(history.slice(0, -10), options);
    if (!fitted.ok) throw new Error(fitted.message);
    for (const y of history.slice(-10)) fitted.fit.model.observe(y);
    const online = resultOf(fitted.fit, options, history.length);
    const fresh = ok(forecast(history, { ...options, params: { ...fitted.fit.model.params, weekly: false } }));
    online.values.forEach((v, i) => expect(v).toBeCloseTo(fresh.values[i]!, 9));
    expect(online.confidence).toBeCloseTo(fresh.confidence, 9);
  });
});
