/**
 * The pure part of actuation on the HPA the constructs synthesize: the leader writes only
 * `spec.minReplicas` and its annotations, records the stack's baseline once, never goes below
 * it or above maxReplicas, and a new leader walks a lost leader's raise back in damped steps.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { createAutoscaler, resolveAutoscaling } from '../../../constructs/autoscaling.js';
import { hpaViewOf, planFloorPatch, scalerStateOf, type HpaMergePatch, type HpaObject } from '../../../runtime/src/autoscaler/actuation.js';
import { DEFAULT_AUTOSCALER_CONFIG as C } from '../../../runtime/src/autoscaler/config.js';
import { decideFromForecast, type Decision } from '../../../runtime/src/autoscaler/decide.js';
import type { ForecastResult } from '../../../runtime/src/autoscaler/forecast.js';
import { AUTOSCALER_ANNOTATIONS as A, FLOOR_FIELD, FLOOR_POINTER, HPA_PATCH_CONTENT_TYPE } from '../../../runtime/src/autoscaler/names.js';
import { forecastOf } from './helpers.js';

const NOW = 1_800_000_000;
type Hpa = HpaObject & { metadata: { resourceVersion: string; annotations: Record<string, string> }; spec: { minReplicas: number; maxReplicas: number } };

/** The runtime's HPA as the constructs declare it (min 3, max 20), as the API server returns it. */
function constructsHpa(): Hpa {
  const chart = Testing.chart();
  createAutoscaler(chart, 'hpa', resolveAutoscaling('DebugHost'), { name: 'debug-host', namespace: 'debug-host', labels: {} });
  const [hpa] = Testing.synth(chart) as Array<Record<string, any>>;
  return { ...hpa, metadata: { ...hpa!.metadata, resourceVersion: '100', annotations: {} }, status: { currentReplicas: 3 } } as Hpa;
}

/** What the API server does with a merge patch (and a new resourceVersion). */
function apply(hpa: Hpa, patch: HpaMergePatch): Hpa {
  return {
    ...hpa,
    metadata: { ...hpa.metadata, resourceVersion: String(Number(hpa.metadata.resourceVersion) + 1), annotations: { ...hpa.metadata.annotations, ...patch.metadata.annotations } },
    spec: { ...hpa.spec, ...patch.spec },
  };
}

const floorDecision = (to: number, reason = `floor -> ${to}`): Decision =>
  ({ floor: { from: 0, to, change: 'raise', rule: 'rise', reason }, replicas: { from: 3, to, rule: 'floor', reason: '' }, reason, facts: {} }) as unknown as Decision;

describe('actuation', () => {
  it('names one field and the annotations, in one place', () => {
    expect(FLOOR_FIELD).toBe('spec.minReplicas');
    expect(FLOOR_POINTER).toBe('/spec/minReplicas');
    expect(HPA_PATCH_CONTENT_TYPE).toBe('application/merge-patch+json');
    expect(A).toEqual({
      baseline: 'debug-host.io/autoscaler-baseline-min-replicas',
      floor: 'debug-host.io/autoscaler-floor',
      changedAt: 'debug-host.io/autoscaler-floor-changed-at',
      leader: 'debug-host.io/autoscaler-leader',
      reason: 'debug-host.io/autoscaler-reason',
    });
  });

  it("reads the constructs' HPA: floor 3, bounds 3-20, nothing recorded yet", () => {
    const view = hpaViewOf(constructsHpa());
    expect(view).toEqual({ minReplicas: 3, maxReplicas: 20, currentReplicas: 3, resourceVersion: '100' });
    expect(scalerStateOf(view, { cpuPercent: 40, memoryPercent: 50 })).toEqual({ replicas: 3, floor: 3, cpuPercent: 40, memoryPercent: 50 });
  });

  it('raises with one merge patch of minReplicas and its annotations, conditioned on the resourceVersion, the baseline recorded', () => {
    const plan = planFloorPatch(hpaViewOf(constructsHpa()), floorDecision(11, 'floor 3 -> 11: forecast peak 100.0'), { now: NOW, leader: 'replica-a' });
    expect(plan).toEqual({
      patch: {
        metadata: {
          resourceVersion: '100',
          annotations: {
            [A.baseline]: '3',
            [A.floor]: '11',
            [A.changedAt]: '2027-01-15T08:00:00.000Z',
            [A.leader]: 'replica-a',
            [A.reason]: 'floor 3 -> 11: forecast peak 100.0',
          },
        },
        spec: { minReplicas: 11 },
      },
      minReplicas: { from: 3, to: 11 },
      baseline: 3,
      externalChange: false,
      reason: 'minReplicas 3 -> 11',
    });
    // Written once: the next patch leaves the baseline alone.
    const raised = apply(constructsHpa(), plan.patch!);
    const next = planFloorPatch(hpaViewOf(raised), floorDecision(13), { now: NOW + 30, leader: 'replica-a' });
    expect(next.patch?.metadata.annotations).not.toHaveProperty(A.baseline);
    expect(next.patch?.metadata.resourceVersion).toBe('101');
    expect(hpaViewOf(raised)).toMatchObject({ baseline: 3, leaderFloor: 11, floorChangedAt: NOW });
  });

  it('sends nothing when minReplicas already is the floor', () => {
    expect(planFloorPatch(hpaViewOf(constructsHpa()), floorDecision(3), { now: NOW, leader: 'a' })).toMatchObject({ patch: null, reason: 'minReplicas already 3' });
  });

  it('never goes below the baseline nor above maxReplicas', () => {
    const hpa = constructsHpa();
    hpa.metadata.annotations[A.baseline] = '5';
    hpa.spec.minReplicas = 5;
    expect(planFloorPatch(hpaViewOf(hpa), floorDecision(3), { now: NOW, leader: 'a' })).toMatchObject({ patch: null, reason: 'minReplicas already 5, not below the baseline 5' });
    expect(planFloorPatch(hpaViewOf(hpa), floorDecision(25), { now: NOW, leader: 'a' })).toMatchObject({
      minReplicas: { from: 5, to: 20 },
      reason: "minReplicas 5 -> 20, not above the HPA's maxReplicas 20",
    });
  });

  it('says when someone else edited minReplicas since the leader wrote it', () => {
    const hpa = constructsHpa();
    Object.assign(hpa.metadata.annotations, { [A.baseline]: '3', [A.floor]: '9' });
    hpa.spec.minReplicas = 6;
    expect(planFloorPatch(hpaViewOf(hpa), floorDecision(8), { now: NOW, leader: 'a' })).toMatchObject({
      externalChange: true,
      reason: 'minReplicas 6 -> 8 (minReplicas was edited to 6 since the leader wrote 9)',
    });
  });

  it("walks a lost leader's raise back in damped steps, to the baseline and no further", () => {
    // Leader a raised the floor to 14 and died; leader b has a confident forecast of little demand.
    let hpa = constructsHpa();
    hpa = apply(hpa, planFloorPatch(hpaViewOf(hpa), floorDecision(14), { now: NOW - 3600, leader: 'replica-a' }).patch!);
    const quiet: ForecastResult = forecastOf([15]);
    const floors: number[] = [];
    for (let period = 0; period < 60; period += 1) {
      const now = NOW + period * C.periodSeconds;
      const view = hpaViewOf(hpa);
      const decision = decideFromForecast({ now, demand: 15, forecast: quiet, state: scalerStateOf(view) }, C);
      const plan = planFloorPatch(view, decision, { now, leader: 'replica-b' });
      if (plan.patch) hpa = apply(hpa, plan.patch);
      floors.push(hpa.spec.minReplicas);
    }
    expect(floors.slice(0, 9)).toEqual([13, 13, 13, 13, 12, 12, 12, 12, 11]); // at once (the raise is an hour old), then one per 4 periods
    expect(floors.at(-1)).toBe(3);
    expect(Math.min(...floors)).toBe(3);
    floors.forEach((f, i) => expect((floors[i - 1] ?? 14) - f).toBeLessThanOrEqual(1));
    expect(hpa.metadata.annotations).toMatchObject({ [A.baseline]: '3', [A.floor]: '3', [A.leader]: 'replica-b' });
  });
});
