/**
 * Who owns each planned resource: a tenant (anything under its TenantStack), the cloud side
 * (AWS components and providers) or the platform. Lets a reviewer read a plan per tenant.
 */
import type { PlannedResource } from './mocks.js';

export const TENANT_STACK_TYPE = 'debug-host:platform:TenantStack';

/** `tenant:<name>`, `cloud` or `platform`. */
export function ownerOf(resource: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): string {
  let current: PlannedResource | undefined = resource;
  let cloud = resource.type.startsWith('aws:') || resource.type === 'pulumi:providers:aws';
  while (current !== undefined) {
    if (current.type === TENANT_STACK_TYPE) return `tenant:${current.name.replace(/^tenant-/, '')}`;
    if (current.type.startsWith('debug-host:aws:')) cloud = true;
    current = current.parent === undefined ? undefined : byUrn.get(current.parent);
  }
  return cloud ? 'cloud' : 'platform';
}

/** Custom resources grouped by owner: cloud, platform, then tenants by name. */
export function groupByOwner(resources: readonly PlannedResource[]): Map<string, PlannedResource[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const groups = new Map<string, PlannedResource[]>();
  for (const r of resources.filter((x) => x.custom)) {
    const owner = ownerOf(r, byUrn);
    groups.set(owner, [...(groups.get(owner) ?? []), r]);
  }
  const rank = (k: string) => (k === 'cloud' ? 0 : k === 'platform' ? 1 : 2);
  return new Map([...groups].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)));
}
