/**
 * Properties (fast-check) of the autoscaler's pure parts, over arbitrary states, forecasts
 * and valid configurations: decisions within the bounds, deterministic, raised only through
 * the gate, the floor down by at most one step per `floorStepDownEveryPeriods`; forecasts
 * deterministic, finite and never negative; patches within [baseline, maxReplicas] and
 * idempotent; the HPA model within its bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hpaViewOf, planFloorPatch, scalerStateOf, type HpaObject } from '../../../runtime/src/autoscaler/actuation.js';
import { parseAutoscalerConfig, type AutoscalerConfig } from '../../../runtime/src/autoscaler/config.js';
import { decideFromForecast, type ScalerState } from '../../../runtime/src/autoscaler/decide.js';
import { forecast, type ForecastResult } from '../../../runtime/src/autoscaler/forecast.js';
import { HpaModel } from '../../../runtime/src/autoscaler/hpa-model.js';
import { AUTOSCALER_ANNOTATIONS as A } from '../../../runtime/src/autoscaler/names.js';
import { forecastOf } from './helpers.js';

const NOW = 1_800_000_000;

const configs: fc.Arbitrary<AutoscalerConfig> = fc
  .record({
    minReplicas: fc.integer({ min: 1, max: 10 }),
    range: fc.integer({ min: 0, max: 30 }),
    floorStepDownEveryPeriods: fc.integer({ min: 1, max: 8 }),
    floorStepDown: fc.integer({ min: 1, max: 4 }),
    minConfidence: fc.double({ min: 0, max: 1, noNaN: true }),
    minRise: fc.double({ min: 0.01, max: 3, noNaN: true }),
    floorHeadroom: fc.double({ min: 0, max: 0.5, noNaN: true }),
    perPodTarget: fc.integer({ min: 1, max: 50 }),
  })
  .map(({ minReplicas, range, floorStepDown, ...rest }) =>
    parseAutoscalerConfig({ ...rest, minReplicas, maxReplicas: minReplicas + range, floorStepDown: 2 * floorStepDown <= range ? floorStepDown : 1, floorLowerHeadroom: 2 * rest.floorHeadroom }),
  );

const forecasts: fc.Arbitrary<ForecastResult> = fc.oneof(
  fc
    .record({
      values: fc.array(fc.double({ min: 0, max: 400, noNaN: true }), { minLength: 1, maxLength: 8 }),
      confidence: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.8, max: 1, noNaN: true })),
    })
    .map(({ values, confidence }) => forecastOf(values, confidence)),
  fc.constant<ForecastResult>({ ok: false, reason: 'insufficient-history', message: 'No forecast: 3 samples of history, 5760 needed.', historySamples: 3, needSamples: 5760 }),
);

const signal = fc.option(fc.double({ min: 0, max: 150, noNaN: true }), { nil: undefined });
const states: fc.Arbitrary<ScalerState> = fc
  .record({ replicas: fc.integer({ min: 0, max: 60 }), floor: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 12 })), ago: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), cpuPercent: signal, memoryPercent: signal })
  .map(({ ago, cpuPercent, memoryPercent, ...s }) => ({
    ...s,
    ...(ago === undefined ? {} : { floorChangedAt: NOW - ago * 30 }),
    ...(cpuPercent === undefined ? {} : { cpuPercent }),
    ...(memoryPercent === undefined ? {} : { memoryPercent }),
  }));
const demands = fc.oneof(fc.double({ min: 0, max: 2000, noNaN: true }), fc.double({ min: 0, max: 60, noNaN: true }));

describe('decision properties', () => {
  it('keeps floor and replicas whole and within the bounds, replicas at or over the floor, each with a reason', () => {
    fc.assert(
      fc.property(configs, states, forecasts, demands, (config, state, f, demand) => {
        const d = decideFromForecast({ now: NOW, demand, forecast: f, state }, config);
        for (const v of [d.floor.to, d.replicas.to]) {
          expect(Number.isInteger(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(config.minReplicas);
          expect(v).toBeLessThanOrEqual(config.maxReplicas);
        }
        expect(d.replicas.to).toBeGreaterThanOrEqual(d.floor.to);
        expect(d.floor.reason.length).toBeGreaterThan(10);
        expect(d.replicas.reason.length).toBeGreaterThan(10);
      }),
      { numRuns: 500 },
    );
  });

  it('is deterministic: the same input gives the same decision', () => {
    fc.assert(
      fc.property(configs, states, forecasts, demands, (config, state, f, demand) => {
        const input = { now: NOW, demand, forecast: f, state };
        expect(decideFromForecast(input, config)).toEqual(decideFromForecast(structuredClone(input), config));
      }),
      { numRuns: 300 },
    );
  });

  it('raises a floor within the bounds only on a confident forecast, and off the minimum only on a rise over minRise', () => {
    const seen = { rise: 0, following: 0 };
    // Floors at the minimum or within the bounds, where raises happen; and demand near the
    // floor's capacity with a forecast near it, where the floor follows the forecast.
    const cases = configs.chain((config) =>
      fc.tuple(fc.constant(config), states, fc.oneof(fc.constant(config.minReplicas), fc.integer({ min: config.minReplicas, max: config.maxReplicas }))).chain(([c, anyState, floor]) => {
        const near = fc
          .record({ load: fc.double({ min: 0.8, max: 1.6, noNaN: true }), by: fc.double({ min: 0.9, max: 1.5, noNaN: true }), confidence: fc.double({ min: 0.7, max: 1, noNaN: true }) })
          .map(({ load, by, confidence }) => [forecastOf([floor * c.perPodTarget * load * by], confidence), floor * c.perPodTarget * load] as const);
        return fc.tuple(fc.constant(c), fc.constant(anyState), fc.constant(floor), fc.oneof(fc.tuple(forecasts, demands), near));
      }),
    );
    fc.assert(
      fc.property(cases, ([config, anyState, floor, [f, demand]]) => {
        const state = { ...anyState, floor };
        const d = decideFromForecast({ now: NOW, demand, forecast: f, state }, config);
        const inBounds = state.floor >= config.minReplicas && state.floor <= config.maxReplicas;
        if (!inBounds || d.floor.change !== 'raise') return;
        if (d.floor.rule === 'rise' || d.floor.rule === 'following') seen[d.floor.rule] += 1;
        const facts = d.facts.forecast;
        expect(facts.ok).toBe(true);
        if (!facts.ok) return;
        expect(facts.confidence).toBeGreaterThan(config.minConfidence);
        if (state.floor === config.minReplicas) {
          expect(facts.expectedRise).toBeGreaterThan(config.minRise);
          expect(d.floor.rule).toBe('rise');
        }
        expect(d.floor.to).toBe(facts.neededReplicas);
      }),
      { numRuns: 1000 },
    );
    // Not vacuous: both kinds of raise were generated.
    expect(seen.rise).toBeGreaterThan(50);
    expect(seen.following).toBeGreaterThan(20);
  });

  it('over any run of decisions, lowers the floor by at most one step, and never sooner than N periods after its last change', () => {
    let lowers = 0;
    fc.assert(
      fc.property(configs, fc.array(fc.tuple(forecasts, demands), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 40 }), (config, run, startFloor) => {
        let state: ScalerState = { replicas: startFloor, floor: Math.min(config.maxReplicas, Math.max(config.minReplicas, startFloor)) };
        let lastChange: number | undefined;
        run.forEach(([f, demand], period) => {
          const now = NOW + period * config.periodSeconds;
          const d = decideFromForecast({ now, demand, forecast: f, state }, config);
          if (d.floor.to < d.floor.from) {
            lowers += 1;
            expect(d.floor.from - d.floor.to).toBeLessThanOrEqual(config.floorStepDown);
            if (lastChange !== undefined) expect(period - lastChange).toBeGreaterThanOrEqual(config.floorStepDownEveryPeriods);
          }
          if (d.floor.to !== d.floor.from) lastChange = period;
          state = { replicas: d.replicas.to, floor: d.floor.to, ...(lastChange === undefined ? {} : { floorChangedAt: NOW + lastChange * config.periodSeconds }) };
        });
      }),
      { numRuns: 300 },
    );
    expect(lowers).toBeGreaterThan(100);
  });
});

describe('forecast properties', () => {
  it('is deterministic, finite, never negative, with a confidence in [0, 1]; refuses exactly below two seasons', () => {
    const season = 12;
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { minLength: 0, maxLength: 5 * season }), (history) => {
        const options = { seasonSamples: season, steps: 6, lead: 2 };
        const r = forecast(history, options);
        expect(r).toEqual(forecast([...history], options));
        expect(r.ok).toBe(history.length >= 2 * season);
        if (!r.ok) return;
        for (const v of r.values) {
          expect(Number.isFinite(v)).toBe(true);
          expect(v).toBeGreaterThanOrEqual(0);
        }
        expect(r.confidence).toBeGreaterThanOrEqual(0);
        expect(r.confidence).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('actuation properties', () => {
  const hpas: fc.Arbitrary<HpaObject> = fc
    .record({ min: fc.integer({ min: 1, max: 20 }), extra: fc.integer({ min: 0, max: 20 }), baseline: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }) })
    .map(({ min, extra, baseline }): HpaObject => ({
      metadata: { resourceVersion: '7', annotations: baseline === undefined ? {} : { [A.baseline]: String(baseline) } },
      spec: { minReplicas: min, maxReplicas: min + extra },
      status: { currentReplicas: min },
    }));

  it('writes a minReplicas within [baseline, maxReplicas], the baseline only once, and nothing when planned again', () => {
    fc.assert(
      fc.property(hpas, configs, forecasts, demands, (hpa, config, f, demand) => {
        const view = hpaViewOf(hpa);
        const decision = decideFromForecast({ now: NOW, demand, forecast: f, state: scalerStateOf(view) }, config);
        const plan = planFloorPatch(view, decision, { now: NOW, leader: 'r' });
        const baseline = view.baseline ?? view.minReplicas;
        if (baseline <= view.maxReplicas) {
          expect(plan.minReplicas.to).toBeGreaterThanOrEqual(baseline);
        }
        expect(plan.minReplicas.to).toBeLessThanOrEqual(view.maxReplicas);
        if (!plan.patch) return;
        const annotations = plan.patch.metadata.annotations;
        expect(A.baseline in annotations).toBe(view.baseline === undefined);
        const applied: HpaObject = { ...hpa, metadata: { ...hpa.metadata, annotations: { ...hpa.metadata?.annotations, ...annotations } }, spec: { ...hpa.spec, ...plan.patch.spec } };
        expect(planFloorPatch(hpaViewOf(applied), decision, { now: NOW, leader: 'r' }).patch).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe('HPA model properties', () => {
  it('sets replicas within [floor, maxReplicas] on any observations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ready: fc.integer({ min: 0, max: 25 }), starting: fc.integer({ min: 0, max: 10 }), metric: fc.double({ min: 0, max: 500, noNaN: true }), floor: fc.integer({ min: 3, max: 20 }) }), { minLength: 1, maxLength: 30 }),
        (syncs) => {
          const hpa = new HpaModel({ minReplicas: 3, maxReplicas: 20, targetPerPod: 10 });
          syncs.forEach((s, i) => {
            const desired = hpa.sync({ now: i * 15, replicas: s.ready + s.starting, readyPods: s.ready, metricTotal: s.metric, minReplicas: s.floor });
            expect(desired).toBeGreaterThanOrEqual(s.floor);
            expect(desired).toBeLessThanOrEqual(20);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
