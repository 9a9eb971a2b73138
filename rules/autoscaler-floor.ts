/**
 * The one field of the runtime's HorizontalPodAutoscaler that the runtime's leader writes (its
 * floor): the stacks ignore changes to it so that `pulumi up` does not fight the leader, and
 * the runtime's actuation patches only it.
 */

/** As a path for Pulumi's `ignoreChanges`. */
export const FLOOR_FIELD = 'spec.minReplicas';
/** As a JSON pointer. */
export const FLOOR_POINTER = '/spec/minReplicas';
