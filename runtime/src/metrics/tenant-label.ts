/**
 * The bounded tenant label of the per-tenant metrics (the cap and its overflow label are a
 * rule of their own in @debug-host/rules, which the dashboards and alerts read too).
 */
import { OTHER_TENANT_LABEL, TENANT_METRIC_CAP } from '@debug-host/rules';

export class TenantLabels {
  private readonly seen = new Set<string>();

  /** @param cap distinct labels before the rest become `_other`. @default TENANT_METRIC_CAP */
  constructor(private readonly cap: number = TENANT_METRIC_CAP) {}

  /** The tenant's own id while it is among the first `cap` seen, else `_other`. */
  of(tenantId: string): string {
    if (this.seen.has(tenantId)) return tenantId;
    if (this.seen.size >= this.cap) return OTHER_TENANT_LABEL;
    this.seen.add(tenantId);
    return tenantId;
  }
}
