/**
 * The decision core run as the leader runs it (decide every period on the history so far,
 * its decision fed back as the next state) over generated traces: steady, ramp, daily cycle
 * with noise, scheduled daily spike, random spikes, flapping around a threshold. Each: bounds
 * respected, no prediction without two days of history, the floor lowered in damped steps,
 * no oscillation, every decision with a reason.
 *
 * A 300 s period (288 samples a day) keeps the refit of every decision fast.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAutoscalerConfig } from '../../../runtime/src/autoscaler/config.js';
import { decide, type Decision, type ScalerState } from '../../../runtime/src/autoscaler/decide.js';
import { DAY, flapping, generateTrace, ramp, steady } from '../../support/demand-traces.js';

const config = parseAutoscalerConfig({ periodSeconds: 300, weeklySeasonSeconds: 0 });
const PER_DAY = DAY / config.periodSeconds;
const DAYS = 3.5;
const N = DAYS * PER_DAY;
const at = (spec: Parameters<typeof generateTrace>[0]) => Array.from(generateTrace({ ...spec, stepSeconds: config.periodSeconds }).demand);

/** The leader's loop: cpu tracks demand over replicas x perPodTarget (x 70 %: the HPA's cpu target). */
function run(demand: readonly number[]): Decision[] {
  const decisions: Decision[] = [];
  let state: ScalerState = { replicas: 3, floor: 3 };
  for (let i = 0; i < demand.length; i += 1) {
    const now = i * config.periodSeconds;
    const d = decide({ now, history: demand.slice(0, i + 1), state }, config);
    decisions.push(d);
    const cpu = (70 * demand[i]!) / (d.replicas.to * config.perPodTarget);
    state = {
      replicas: d.replicas.to,
      floor: d.floor.to,
      cpuPercent: cpu,
      memoryPercent: cpu * 0.8,
      ...(d.floor.to !== d.floor.from ? { floorChangedAt: now } : state.floorChangedAt === undefined ? {} : { floorChangedAt: state.floorChangedAt }),
    };
  }
  return decisions;
}

const reversals = (values: readonly number[]) => {
  let count = 0;
  let direction = 0;
  for (let i = 1; i < values.length; i += 1) {
    const step = Math.sign(values[i]! - values[i - 1]!);
    if (step !== 0 && direction !== 0 && step !== direction) count += 1;
    if (step !== 0) direction = step;
  }
  return count;
};

const TRACES: Array<[string, number[], { maxFloorReversalsPerDay: number; raises: 'none' | 'some' }]> = [
  ['steady', steady(60, N, 3), { maxFloorReversalsPerDay: 0, raises: 'none' }],
  ['ramp', ramp(20, 180, N), { maxFloorReversalsPerDay: 0, raises: 'none' }],
  ['daily cycle with noise', at({ seed: 5, days: DAYS }), { maxFloorReversalsPerDay: 6, raises: 'some' }],
  ['scheduled daily spike', at({ seed: 6, days: DAYS, nightlyBatch: 90 }), { maxFloorReversalsPerDay: 8, raises: 'some' }],
  // Spikes no forecast foresees: above the minimum the floor follows the forecast, which follows them.
  ['random spikes', at({ seed: 7, days: DAYS, randomSpikesPerDay: 4 }), { maxFloorReversalsPerDay: 14, raises: 'some' }],
  ['flapping around a threshold', flapping(50, 6, 2, N), { maxFloorReversalsPerDay: 0, raises: 'none' }],
];

describe.each(TRACES)('the decision loop on %s', (_name, demand, expected) => {
  let decisions: Decision[] = [];
  let floors: number[] = [];
  beforeAll(() => {
    decisions = run(demand);
    floors = decisions.map((d) => d.floor.to);
  });

  it('keeps floor and replicas within the bounds 3-20', () => {
    for (const d of decisions) {
      expect(d.floor.to).toBeGreaterThanOrEqual(3);
      expect(d.floor.to).toBeLessThanOrEqual(20);
      expect(d.replicas.to).toBeGreaterThanOrEqual(d.floor.to);
      expect(d.replicas.to).toBeLessThanOrEqual(20);
    }
  });

  it('does not predict before two days of history, and does after', () => {
    decisions.forEach((d, i) => expect(d.facts.forecast.ok, `decision ${i}`).toBe(i + 1 >= 2 * PER_DAY));
    expect(decisions.slice(0, 2 * PER_DAY - 1).every((d) => d.floor.to === 3)).toBe(true);
  });

  it('lowers the floor one step at a time, at most once per four periods', () => {
    let lastChange = Number.NEGATIVE_INFINITY;
    decisions.forEach((d, i) => {
      if (d.floor.change === 'lower') {
        expect(d.floor.from - d.floor.to).toBe(1);
        expect(i - lastChange, `decision ${i}`).toBeGreaterThanOrEqual(4);
      }
      if (d.floor.to !== d.floor.from) lastChange = i;
    });
  });

  it('does not oscillate', () => {
    // Per day with a forecast (the first two have none, and the floor stays at the minimum).
    expect(reversals(floors)).toBeLessThanOrEqual(expected.maxFloorReversalsPerDay * (DAYS - 2));
    const raises = decisions.filter((d) => d.floor.change === 'raise').length;
    if (expected.raises === 'none') expect(raises).toBe(0);
    else expect(raises).toBeGreaterThan(0);
    // The baseline rule's gap (up over 80 %, down under 30 %) keeps replicas from flapping too.
    expect(reversals(decisions.map((d) => d.replicas.to))).toBeLessThanOrEqual(expected.maxFloorReversalsPerDay * DAYS + 2 * DAYS);
  });

  it('gives every decision its reason', () => {
    for (const d of decisions) {
      expect(d.floor.reason).toMatch(/^floor \d+/);
      expect(d.replicas.reason).toMatch(/^replicas \d+/);
      expect(d.reason).toBe(`${d.floor.reason}; ${d.replicas.reason}`);
    }
  });
});

describe('the decision loop ahead of a scheduled spike', () => {
  it('has the floor up before the nightly batch arrives, from the third night on', () => {
    const demand = at({ seed: 6, days: DAYS, nightlyBatch: 90 });
    const decisions = run(demand);
    // Night 3 (day index 2): the batch starts at 02:00 (+90 containers within a minute).
    const spike = 2 * PER_DAY + (2 * 3600) / config.periodSeconds;
    const before = decisions[spike - 1]!; // 300 s before: one lead time (105 s) plus margin
    expect(before.floor.to).toBeGreaterThanOrEqual(10);
    expect(decisions.slice(spike - 1, spike + 1).some((d) => d.floor.rule === 'rise')).toBe(true);
    expect(decisions[spike - 12]!.floor.to).toBe(3); // an hour before, nothing raised yet
  });
});
