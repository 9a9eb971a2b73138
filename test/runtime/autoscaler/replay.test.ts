/**
 * The replay the bench measures with: its figures on traces small enough to check by hand,
 * determinism, and the predictive floor against the HPA alone on a foreseeable spike.
 */
import { describe, expect, it } from 'vitest';
import { parseAutoscalerConfig } from '../../../runtime/src/autoscaler/config.js';
import { replay } from '../../../runtime/src/autoscaler/replay.js';
import { DAY } from '../../support/demand-traces.js';

const trace = (demand: number[]) => ({ stepSeconds: 15, demand });

describe('replay', () => {
  it('measures pod-minutes, under- and over-provisioning and SLO-violating samples', () => {
    // 10 minutes at 25 containers (3 pods needed), then 10 at 85 (9 pods): the HPA needs a
    // sync and a pod start (90 s) to catch up.
    const demand = [...Array.from({ length: 40 }, () => 25), ...Array.from({ length: 40 }, () => 85)];
    const r = replay(trace(demand), { kind: 'hpa' });
    expect(r.measuredSamples).toBe(80);
    // The HPA sees 85 at 600 s: 7 pods (3 + 4), 9 at 615 s, ready 90 s later: 85 > 3 x 10 from
    // 600 to 675 s, > 7 x 10 at 690 s, 9 x 10 from 705 s.
    expect(r.sloViolatingSamples).toBe(7);
    expect(r.underProvisionedPodMinutes).toBeGreaterThan(0);
    expect(r.scalingActions).toBeGreaterThanOrEqual(1);
    const oracle = replay(trace(demand), { kind: 'oracle' });
    expect(oracle.sloViolatingSamples).toBe(0);
    expect(oracle.underProvisionedPodMinutes).toBe(0);
    expect(oracle.podMinutes).toBeLessThanOrEqual(r.podMinutes + 9 * 2); // pays for 105 s of early pods at most
  });

  it('leaves a steady demand within the tolerance alone', () => {
    const r = replay(trace(Array.from({ length: 400 }, (_, i) => 50 + (i % 2))), { kind: 'hpa' }, { minReplicas: 5 });
    expect(r).toMatchObject({ scalingActions: 0, sloViolatingSamples: 200, overProvisionedPodMinutes: 0 }); // 51 > 5 x 10 every other sample
  });

  it('counts from measureFromSeconds only', () => {
    const demand = Array.from({ length: 80 }, () => 25);
    expect(replay(trace(demand), { kind: 'hpa' }, { measureFromSeconds: 600 }).measuredSamples).toBe(40);
  });

  it('refuses a predictive config that does not match the replay', () => {
    expect(() => replay(trace([1]), { kind: 'predictive', config: parseAutoscalerConfig({ minReplicas: 2 }) })).toThrow(
      /the predictive config differs from the replay: minReplicas 2 \(replay: 3\)/,
    );
  });

  it('raises the floor ahead of a daily spike the HPA alone meets late, and is deterministic', () => {
    // Three days at 15 s: 20 containers, and 100 from 02:00 for 30 minutes every night.
    const perDay = DAY / 15;
    const demand = Array.from({ length: 3 * perDay }, (_, i) => {
      const s = (i % perDay) * 15;
      return s >= 7200 && s < 9000 ? 100 : 20;
    });
    const options = { measureFromSeconds: 2 * DAY };
    const config = parseAutoscalerConfig({});
    const hpa = replay(trace(demand), { kind: 'hpa' }, options);
    const predictive = replay(trace(demand), { kind: 'predictive', config }, options);
    expect(hpa.sloViolatingSamples).toBeGreaterThan(4);
    expect(predictive.sloViolatingSamples).toBe(0);
    expect(predictive.floor).toMatchObject({ withoutForecast: 0, highestFloor: 11 });
    expect(predictive.floor!.raises).toBeGreaterThan(0);
    expect(predictive.floor!.raisesFollowedByDemand).toBe(predictive.floor!.raises);
    expect(replay(trace(demand), { kind: 'predictive', config }, options)).toEqual(predictive);
  });
});
