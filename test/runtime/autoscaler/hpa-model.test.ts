/**
 * The HPA model the bench replays against: the documented algorithm (ceil(current x metric /
 * target), the 0.1 tolerance, pods without metrics, the 300 s scale-down stabilization, the
 * default rate policies, the floor).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_HPA_BEHAVIOR, DEFAULT_HPA_TOLERANCE, HpaModel, type HpaBehavior } from '../../../runtime/src/autoscaler/hpa-model.js';

const model = (behavior?: HpaBehavior) => new HpaModel({ minReplicas: 3, maxReplicas: 20, targetPerPod: 10, ...(behavior ? { behavior } : {}) });
const ready = (now: number, replicas: number, metricTotal: number, minReplicas?: number) => ({ now, replicas, readyPods: replicas, metricTotal, ...(minReplicas ? { minReplicas } : {}) });

describe('HPA model', () => {
  it('has the Kubernetes defaults', () => {
    expect(DEFAULT_HPA_TOLERANCE).toBe(0.1);
    expect(DEFAULT_HPA_BEHAVIOR).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('scales to ceil(current x metric / target), not within the tolerance', () => {
    expect(model().sync(ready(0, 4, 43))).toBe(4); // 10.75 per pod: within the tolerance
    expect(model().sync(ready(0, 4, 37))).toBe(4); // 9.25 per pod
    expect(model().sync(ready(0, 4, 45))).toBe(5); // 11.25 per pod: ceil(4 x 1.125)
    expect(model().sync(ready(0, 4, 36))).toBe(4); // 9 per pod
  });

  it('counts pods without the metric as 0 when scaling up, so it does not overshoot while they start', () => {
    // 6 replicas, 3 ready carrying 45 (15 each): with the 3 starting at 0, 45 / 6 = 7.5 < 10: no change.
    expect(model().sync({ now: 0, replicas: 6, readyPods: 3, metricTotal: 45 })).toBe(6);
    // 3 ready carrying 90: 90 / 6 = 15 per pod -> ceil(6 x 1.5) = 9.
    expect(model().sync({ now: 0, replicas: 6, readyPods: 3, metricTotal: 90 })).toBe(9);
  });

  it('scales up by at most max(100 %, 4 pods) per 15 s', () => {
    const hpa = model();
    expect(hpa.sync(ready(0, 3, 200))).toBe(7); // wants 20: 3 + 4 pods beats 3 x 2
    expect(hpa.sync(ready(15, 7, 200))).toBe(14); // 7 x 2
    expect(hpa.sync(ready(30, 14, 200))).toBe(20);
  });

  it('keeps the highest recommendation of the last 300 s before scaling down', () => {
    const hpa = model();
    expect(hpa.sync(ready(0, 10, 100))).toBe(10);
    expect(hpa.sync(ready(15, 10, 30))).toBe(10); // recommends 3, but 10 was recommended within 300 s
    expect(hpa.sync(ready(285, 10, 30))).toBe(10);
    expect(hpa.sync(ready(300, 10, 30))).toBe(3); // the 10 at t = 0 has left the window
  });

  it('goes straight to a raised floor, and never below it', () => {
    const hpa = model();
    expect(hpa.sync(ready(0, 3, 10, 12))).toBe(12);
    expect(hpa.sync(ready(15, 12, 10, 12))).toBe(12);
    expect(hpa.sync(ready(330, 12, 10, 8))).toBe(8); // the floor came down; the demand needs fewer still
  });

  it('applies custom policies (the constructs: up 4 pods per 60 s, down 1 pod per 60 s)', () => {
    const hpa = model({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    });
    expect(hpa.sync(ready(0, 3, 200))).toBe(7);
    expect(hpa.sync(ready(15, 7, 200))).toBe(7); // 4 pods already added in this minute
    expect(hpa.sync(ready(60, 7, 200))).toBe(11);
    expect(hpa.sync(ready(120, 11, 30))).toBe(10);
    expect(hpa.sync(ready(135, 10, 30))).toBe(10);
  });
});
