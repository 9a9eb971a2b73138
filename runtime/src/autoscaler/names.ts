/**
 * The names the leader reads and writes on the runtime's own HorizontalPodAutoscaler: one
 * source for them, so the actuation, the stacks' `ignoreChanges` and the RBAC contract
 * cannot drift apart.
 *
 * One writer per field: the HPA controller owns the Deployment's `replicas`; the leader owns
 * only the HPA's `spec.minReplicas` (the floor) and the annotations below.
 */

/** The field the leader ramps (the stacks' `ignoreChanges` reads it from @debug-host/rules too). */
export { FLOOR_FIELD, FLOOR_POINTER } from '@debug-host/rules';

/** Annotations on the HPA; the prefix is the one the project's labels use. */
export const AUTOSCALER_ANNOTATIONS = Object.freeze({
  /**
   * `minReplicas` as the stack set it before any leader raised it. Written once, by the first
   * patch that changes the floor, and never overwritten: a later leader walks a raise it did
   * not make back down to this, and never below it.
   */
  baseline: 'debug-host.io/autoscaler-baseline-min-replicas',
  /** The floor the last leader wrote; differs from `spec.minReplicas` after a hand edit. */
  floor: 'debug-host.io/autoscaler-floor',
  /** When the floor last changed (ISO 8601): the step-down damping survives a change of leader. */
  changedAt: 'debug-host.io/autoscaler-floor-changed-at',
  /** The replica that wrote the floor. */
  leader: 'debug-host.io/autoscaler-leader',
  /** Why, in words (truncated to `REASON_ANNOTATION_MAX`). */
  reason: 'debug-host.io/autoscaler-reason',
});

export const REASON_ANNOTATION_MAX = 512;

/** The content type of the patches `planFloorPatch` returns (RFC 7386 JSON merge patch). */
export const HPA_PATCH_CONTENT_TYPE = 'application/merge-patch+json';
