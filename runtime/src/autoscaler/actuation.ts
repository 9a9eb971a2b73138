/**
 * The pure part of actuation: from the runtime's HPA as read from the API server, the state a
 * decision starts from; from a decision, the patch to send (or none).
 *
 * One writer per field: the HPA controller owns `replicas`; the leader writes only
 * `spec.minReplicas` and its own annotations (names.ts), in one merge patch conditioned on the
 * `resourceVersion` it read, so a patch from a leader that lost its lease while another wrote
 * fails with 409 instead of undoing the newer write. The first patch that moves the floor
 * records the stack's `minReplicas` as the baseline annotation; the floor never goes below
 * it, and the next leader, reading the floor and when it changed, walks a raise it did not
 * make back down in the same damped steps.
 */
import type { Decision, ScalerState } from './decide.js';
import { AUTOSCALER_ANNOTATIONS as A, REASON_ANNOTATION_MAX } from './names.js';

/** The parts of an autoscaling/v2 HorizontalPodAutoscaler the leader reads. */
export interface HpaObject {
  readonly metadata?: { readonly resourceVersion?: string; readonly annotations?: Readonly<Record<string, string>> | null };
  readonly spec?: { readonly minReplicas?: number | null; readonly maxReplicas?: number };
  readonly status?: { readonly currentReplicas?: number | null } | null;
}

export interface HpaView {
  /** `spec.minReplicas`; the API's default when unset is 1. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** `status.currentReplicas`. @default - `minReplicas` (no status yet) */
  readonly currentReplicas: number;
  /** The stack's minimum, from the annotation. @default - none recorded yet */
  readonly baseline?: number;
  /** The floor the last leader wrote. @default - none */
  readonly leaderFloor?: number;
  /** When the floor last changed, seconds since the epoch. @default - unknown */
  readonly floorChangedAt?: number;
  readonly resourceVersion?: string;
}

export function hpaViewOf(hpa: HpaObject): HpaView {
  const annotations = hpa.metadata?.annotations ?? {};
  const minReplicas = hpa.spec?.minReplicas ?? 1;
  const changed = annotations[A.changedAt] === undefined ? Number.NaN : Date.parse(annotations[A.changedAt]!);
  return {
    minReplicas,
    maxReplicas: hpa.spec?.maxReplicas ?? minReplicas,
    currentReplicas: hpa.status?.currentReplicas ?? minReplicas,
    ...optional('baseline', positiveInt(annotations[A.baseline])),
    ...optional('leaderFloor', positiveInt(annotations[A.floor])),
    ...optional('floorChangedAt', Number.isFinite(changed) ? changed / 1000 : undefined),
    ...optional('resourceVersion', hpa.metadata?.resourceVersion),
  };
}

/** The state a decision starts from: the floor and replicas as the HPA has them. */
export function scalerStateOf(hpa: HpaView, signals: Pick<ScalerState, 'cpuPercent' | 'memoryPercent'> = {}): ScalerState {
  return {
    replicas: hpa.currentReplicas,
    floor: hpa.minReplicas,
    ...optional('floorChangedAt', hpa.floorChangedAt),
    ...optional('cpuPercent', signals.cpuPercent),
    ...optional('memoryPercent', signals.memoryPercent),
  };
}

/** RFC 7386 merge patch of the HPA. */
export interface HpaMergePatch {
  readonly metadata: { readonly resourceVersion?: string; readonly annotations: Readonly<Record<string, string>> };
  readonly spec: { readonly minReplicas: number };
}

export interface FloorPatchPlan {
  /** The patch, or null when `minReplicas` already is the floor. */
  readonly patch: HpaMergePatch | null;
  readonly minReplicas: { readonly from: number; readonly to: number };
  readonly baseline: number;
  readonly reason: string;
  /** `spec.minReplicas` is not what the last leader wrote: someone else edited it. */
  readonly externalChange: boolean;
}

export interface PatchContext {
  /** Seconds since the epoch (written as the change time). */
  readonly now: number;
  /** This replica's id. */
  readonly leader: string;
}

/** The patch that sets the HPA's floor to the decision's, within [baseline, maxReplicas]. */
export function planFloorPatch(hpa: HpaView, decision: Decision, context: PatchContext): FloorPatchPlan {
  const baseline = hpa.baseline ?? hpa.minReplicas;
  const externalChange = hpa.leaderFloor !== undefined && hpa.leaderFloor !== hpa.minReplicas;
  const wanted = decision.floor.to;
  const to = Math.min(hpa.maxReplicas, Math.max(baseline, wanted));
  const bounded = to > wanted ? `, not below the baseline ${baseline}` : to < wanted ? `, not above the HPA's maxReplicas ${hpa.maxReplicas}` : '';
  const edited = externalChange ? ` (minReplicas was edited to ${hpa.minReplicas} since the leader wrote ${hpa.leaderFloor})` : '';
  const minReplicas = { from: hpa.minReplicas, to };
  if (to === hpa.minReplicas) {
    return { patch: null, minReplicas, baseline, externalChange, reason: `minReplicas already ${to}${bounded}${edited}` };
  }
  const annotations: Record<string, string> = {
    [A.floor]: String(to),
    [A.changedAt]: new Date(context.now * 1000).toISOString(),
    [A.leader]: context.leader,
    [A.reason]: decision.floor.reason.slice(0, REASON_ANNOTATION_MAX),
  };
  if (hpa.baseline === undefined) annotations[A.baseline] = String(hpa.minReplicas);
  return {
    patch: {
      metadata: { ...optional('resourceVersion', hpa.resourceVersion), annotations },
      spec: { minReplicas: to },
    },
    minReplicas,
    baseline,
    externalChange,
    reason: `minReplicas ${hpa.minReplicas} -> ${to}${bounded}${edited}`,
  };
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,5}$/.test(value)) return undefined;
  return Number(value);
}

/** `{ key: value }`, or nothing for undefined (exactOptionalPropertyTypes-safe spreads). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: V });
}
