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

/**
 * Upper bounds (seconds) of the tool-call latency histogram's buckets. A latency objective
 * must be one of them: the SLO counts the calls at or under the objective from its bucket.
 */
export const TOOL_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5];
