/**
 * The Kubernetes HPA controller's algorithm for one Pods metric (`active_containers_per_pod`,
 * AverageValue), as documented and as kube-controller-manager implements it
 * (pkg/controller/podautoscaler: replica_calculator.go, horizontal.go), for replaying demand
 * traces: what the HPA alone does, and what it does under a leader-moved floor.
 *
 * - desired = ceil(current * metric / target), none within the tolerance (0.1);
 * - pods without the metric yet (starting) count as 0 when scaling up and as the target when
 *   scaling down, and a change that this reverses is dropped;
 * - scale-down stabilization: the highest recommendation of the window (300 s), scale-up's
 *   the lowest of its window (0 s);
 * - rate policies per direction (defaults: up max(100 %, 4 pods) per 15 s, down 100 % per 15 s);
 * - below `minReplicas` (a raised floor) straight to it, above `maxReplicas` straight to it.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#default-behavior
 */

export interface ScalingPolicy {
  readonly type: 'Pods' | 'Percent';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  /** Max: the policy allowing the biggest change; Min: the smallest; Disabled: no change that way. */
  readonly selectPolicy: 'Max' | 'Min' | 'Disabled';
  readonly policies: readonly ScalingPolicy[];
}

export interface HpaBehavior {
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
}

/** autoscaling/v2's default behavior. */
export const DEFAULT_HPA_BEHAVIOR: HpaBehavior = Object.freeze({
  scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
  scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
} satisfies HpaBehavior);

/** kube-controller-manager's `--horizontal-pod-autoscaler-tolerance` default. */
export const DEFAULT_HPA_TOLERANCE = 0.1;

export interface HpaModelProps {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The metric's AverageValue target per pod. */
  readonly targetPerPod: number;
  /** @default 0.1 */
  readonly tolerance?: number;
  /** @default DEFAULT_HPA_BEHAVIOR */
  readonly behavior?: HpaBehavior;
}

export interface HpaObservation {
  /** Seconds. */
  readonly now: number;
  /** The Deployment's replicas (ready or starting). */
  readonly replicas: number;
  /** Pods that report the metric (ready). */
  readonly readyPods: number;
  /** The metric summed over those pods (active containers). */
  readonly metricTotal: number;
  /** The floor now. @default - `minReplicas` of the props */
  readonly minReplicas?: number;
}

interface Timed {
  readonly at: number;
  readonly value: number;
}

/** One HPA's controller, keeping what kube-controller-manager keeps in memory between syncs. */
export class HpaModel {
  private recommendations: Timed[] = [];
  private upEvents: Timed[] = [];
  private downEvents: Timed[] = [];
  private readonly tolerance: number;
  private readonly behavior: HpaBehavior;

  constructor(private readonly props: HpaModelProps) {
    this.tolerance = props.tolerance ?? DEFAULT_HPA_TOLERANCE;
    this.behavior = props.behavior ?? DEFAULT_HPA_BEHAVIOR;
  }

  /** One sync: the replicas the HPA sets. */
  sync(o: HpaObservation): number {
    const min = o.minReplicas ?? this.props.minReplicas;
    const max = this.props.maxReplicas;
    const current = o.replicas;
    let desired: number;
    if (current > max) desired = max;
    else if (current < min) desired = min;
    else desired = this.normalize(o.now, current, this.proposal(o), min, max);
    if (desired > current) this.upEvents.push({ at: o.now, value: desired - current });
    if (desired < current) this.downEvents.push({ at: o.now, value: current - desired });
    return desired;
  }

  /** The metric's recommendation (replica_calculator.go, calcPlainMetricReplicas). */
  private proposal(o: HpaObservation): number {
    const { targetPerPod: target } = this.props;
    if (o.readyPods <= 0) return o.replicas; // no metrics at all: the controller does not act
    const ratio = o.metricTotal / o.readyPods / target;
    const missing = Math.max(0, o.replicas - o.readyPods);
    if (missing === 0) return Math.abs(1 - ratio) <= this.tolerance ? o.replicas : Math.ceil(ratio * o.readyPods);
    const filled = ratio < 1 ? missing * target : 0;
    const newRatio = (o.metricTotal + filled) / (o.readyPods + missing) / target;
    if (Math.abs(1 - newRatio) <= this.tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) return o.replicas;
    const replicas = Math.ceil(newRatio * (o.readyPods + missing));
    if ((newRatio < 1 && replicas > o.replicas) || (newRatio > 1 && replicas < o.replicas)) return o.replicas;
    return replicas;
  }

  /** Stabilization, then rate policies, then the bounds (horizontal.go, normalizeDesiredReplicasWithBehaviors). */
  private normalize(now: number, current: number, proposal: number, min: number, max: number): number {
    const { scaleUp, scaleDown } = this.behavior;
    const keep = Math.max(scaleUp.stabilizationWindowSeconds, scaleDown.stabilizationWindowSeconds);
    this.recommendations = this.recommendations.filter((r) => r.at > now - keep);
    let up = proposal;
    let down = proposal;
    for (const r of this.recommendations) {
      if (r.at > now - scaleUp.stabilizationWindowSeconds) up = Math.min(up, r.value);
      if (r.at > now - scaleDown.stabilizationWindowSeconds) down = Math.max(down, r.value);
    }
    this.recommendations.push({ at: now, value: proposal });
    const stabilized = Math.min(Math.max(current, up), down);
    const longest = Math.max(0, ...[...scaleUp.policies, ...scaleDown.policies].map((p) => p.periodSeconds));
    this.upEvents = this.upEvents.filter((e) => e.at > now - longest);
    this.downEvents = this.downEvents.filter((e) => e.at > now - longest);
    if (stabilized > current) return Math.max(min, Math.min(stabilized, max, Math.max(current, this.limit(now, current, scaleUp, 1))));
    if (stabilized < current) return Math.min(max, Math.max(stabilized, min, Math.min(current, this.limit(now, current, scaleDown, -1))));
    return Math.min(max, Math.max(min, stabilized));
  }

  /** The furthest the rules allow from the replicas at the start of each policy's period. */
  private limit(now: number, current: number, rules: ScalingRules, direction: 1 | -1): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const sum = (events: Timed[], period: number) => events.filter((e) => e.at > now - period).reduce((a, e) => a + e.value, 0);
    const proposals = rules.policies.map((p) => {
      const start = current - sum(this.upEvents, p.periodSeconds) + sum(this.downEvents, p.periodSeconds);
      if (direction === 1) return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    });
    // Max selects the biggest change: the highest limit up, the lowest down.
    const biggest = (rules.selectPolicy === 'Max') === (direction === 1);
    return biggest ? Math.max(...proposals) : Math.min(...proposals);
  }
}
