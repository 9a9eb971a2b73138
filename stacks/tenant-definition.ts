/**
 * `defineTenant({...})`: the typed declaration in `stacks/tenants/<name>.ts`. One file per
 * tenant, so adding a tenant is one reviewed file whose preview touches that tenant only.
 */
import { z } from 'zod';
import type { TenantLimitProps, TenantQuotaProps } from '@debug-host/constructs';
import { TENANT_ID_RULE, tenantIdProblem } from '@debug-host/rules';
import { ENVIRONMENTS, type Environment } from './config.js';

export interface TenantDefinitionInput {
  /** Tenant id: 3-40 lowercase letters, digits and `-`, a letter first (@debug-host/rules); must equal the file name. */
  readonly name: string;
  /** @default - the name */
  readonly displayName?: string;
  /** Who to call about this tenant: e-mail addresses, at least one. Kept as a namespace annotation. */
  readonly owners: readonly string[];
  /** Environments the tenant exists in. */
  readonly environments: readonly Environment[];
  /** Hostname per environment, or one for all. @default - `<name>.<environment domain>` */
  readonly hostname?: string | Readonly<Partial<Record<Environment, string>>>;
  /** Namespace quotas. @default - the Tenant construct's (containers 50, memory 10Gi, cpu 10, storage 100Gi, ports 100) */
  readonly quotas?: TenantQuotaProps;
  /** Per-container LimitRange defaults. @default - the Tenant construct's */
  readonly limits?: TenantLimitProps;
}

/** A validated tenant declaration (frozen). */
export interface TenantDefinition extends TenantDefinitionInput {
  readonly kind: 'TenantDefinition';
}

const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/, 'expected a lowercase DNS name');
const schema = z.object({
  // The platform's one tenant-id rule (the runtime and the constructs apply it too), refused
  // as "<problem>; set name to 'acme'": TenantDefinitionError adds where to fix it.
  name: z.string().regex(TENANT_ID_RULE, {
    error: (issue) => {
      const refused = tenantIdProblem(issue.input, 'name');
      return refused && `${refused.problem}; ${refused.fix.charAt(0).toLowerCase()}${refused.fix.slice(1, -1)}`;
    },
  }),
  displayName: z.string().min(1).optional(),
  owners: z.array(z.email('expected an e-mail address')).min(1, 'list at least one owner'),
  environments: z.array(z.enum(ENVIRONMENTS)).min(1, 'list at least one of dev, staging, prod'),
  hostname: z.union([dnsName, z.partialRecord(z.enum(ENVIRONMENTS), dnsName)]).optional(),
  quotas: z.record(z.string(), z.unknown()).optional(),
  limits: z.record(z.string(), z.unknown()).optional(),
});

/** Thrown for an invalid tenant file; names the tenant, the field and the fix. */
export class TenantDefinitionError extends Error {
  constructor(tenant: string, field: string, problem: string) {
    super(`Tenant "${tenant}": invalid ${field}: ${problem}. Fix it in stacks/tenants/${tenant}.ts.`);
    this.name = 'TenantDefinitionError';
  }
}

/** Validates and freezes a tenant declaration (quotas and limits are checked by the Tenant construct). */
export function defineTenant(input: TenantDefinitionInput): TenantDefinition {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = typeof input?.name === 'string' ? input.name : '?';
    throw new TenantDefinitionError(name, issue?.path.map(String).join('.') || 'definition', issue?.message ?? 'invalid');
  }
  return Object.freeze({ ...input, kind: 'TenantDefinition' as const });
}

export function isTenantDefinition(value: unknown): value is TenantDefinition {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'TenantDefinition';
}

/** The tenant's hostname in `environment`. */
export function tenantHostname(tenant: TenantDefinition, environment: Environment, domain: string): string {
  const h = tenant.hostname;
  if (typeof h === 'string') return h;
  return h?.[environment] ?? `${tenant.name}.${domain}`;
}
