/**
 * Adding a tenant file changes only that tenant's resources: the plan with the extra file is
 * the plan without it plus resources that all belong to the new tenant, and every resource
 * present in both plans has identical inputs and dependencies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ownerOf } from '../../stacks/preview/owners.js';
import { DEFAULT_TENANTS_DIR } from '../../stacks/tenant-loader.js';
import { custom, EXTRA_TENANTS_DIR, preview, type PlannedResource, type PreviewResult } from './helpers.js';

const STACKS = ['dev', 'prod'] as const;
const before: Record<string, PreviewResult> = {};
const after: Record<string, PreviewResult> = {};

beforeAll(async () => {
  for (const stack of STACKS) {
    before[stack] = await preview({ stack });
    after[stack] = await preview({ stack, tenantsDirs: [DEFAULT_TENANTS_DIR, EXTRA_TENANTS_DIR] });
  }
}, 120_000);

const key = (r: PlannedResource) => r.urn;
const index = (r: PreviewResult) => new Map(r.resources.map((x) => [key(x), x]));

/** True if the resource is initech's TenantStack or anything under it. */
function belongsToInitech(r: PlannedResource, all: PreviewResult): boolean {
  return ownerOf(r, new Map(all.resources.map((x) => [x.urn, x]))) === 'tenant:initech';
}

describe.each(STACKS)('adding stacks/tenants/initech.ts (%s)', (stack) => {
  it('adds only initech resources', () => {
    const old = index(before[stack] as PreviewResult);
    const added = (after[stack] as PreviewResult).resources.filter((r) => !old.has(key(r)));
    expect(added.length).toBeGreaterThan(15);
    expect(added.filter((r) => !belongsToInitech(r, after[stack] as PreviewResult)).map(key)).toEqual([]);
    const kinds = new Set(added.filter((r) => r.custom).map((r) => r.type.split(':').pop()));
    for (const k of ['Namespace', 'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'Role', 'Schema', 'Grant', 'HTTPRoute']) expect(kinds).toContain(k);
  });

  it('removes nothing and changes no existing resource (inputs and dependencies identical)', () => {
    const now = index(after[stack] as PreviewResult);
    for (const r of (before[stack] as PreviewResult).resources) {
      const same = now.get(key(r));
      expect(same, `${key(r)} disappeared`).toBeDefined();
      expect(same?.inputs, `${key(r)} inputs changed`).toEqual(r.inputs);
      expect(same?.dependencies, `${key(r)} dependencies changed`).toEqual(r.dependencies);
    }
  });

  it('gives the new tenant its own schema grants and keeps the policies green', () => {
    const grants = custom(after[stack] as PreviewResult).filter((r) => r.type === 'postgresql:index/grant:Grant' && r.inputs['role'] === 'tenant_initech');
    expect(grants.map((g) => g.inputs['schema'] ?? `database:${String(g.inputs['privileges'])}`).sort()).toEqual(['database:CONNECT', 'tenant_initech', 'tenant_initech', 'tenant_initech']);
    expect((after[stack] as PreviewResult).violations.filter((v) => v.level === 'mandatory')).toEqual([]);
  });
});
