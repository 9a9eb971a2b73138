/**
 * How many tenants the runtime's per-tenant metrics tell apart. Every tenant label value is
 * one more time series per tool, outcome and bucket in every replica, so the label is
 * bounded: each replica gives its own label to the first `TENANT_METRIC_CAP` tenants it serves
 * (from its start) and counts every later one as `OTHER_TENANT_LABEL`. The dashboards and
 * burn-rate alerts of the constructs read the same label, so a tenant past the cap is watched
 * as part of `_other` until the replicas restart or the cap is raised.
 */

/** Distinct tenant label values per replica, `_other` not counted. */
export const TENANT_METRIC_CAP = 200;

/**
 * The label of the tenants past the cap. `_` is not allowed in a tenant id, so it can never
 * be one tenant's label.
 */
export const OTHER_TENANT_LABEL = '_other';
