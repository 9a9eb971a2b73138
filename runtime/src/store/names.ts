/**
 * Tenant ids, the schema and role names derived from them, and safe quoting. Every
 * identifier that reaches SQL text goes through `ident()`; values go through parameters.
 */
import { tenantIdProblem } from '@debug-host/rules';
import { DebugHostError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';

/**
 * The platform's one tenant-id rule (@debug-host/rules, the constructs and stacks apply it
 * too): a DNS label of 3-40 characters, a letter first, that also names the tenant's
 * Kubernetes namespace and its Postgres schema and role.
 */
export function validateTenantId(id: unknown, field = 'tenant'): TenantId {
  const refused = tenantIdProblem(id, field);
  if (refused) throw new DebugHostError('invalid_input', `${field}: ${refused.problem}.`, { field, fix: refused.fix });
  return id as TenantId;
}

/**
 * Optional prefix for tenant role names, for several databases sharing one cluster (roles
 * are cluster-wide). At most 16 characters: with `tenant_` and the longest tenant id (40)
 * a role name is 63 bytes, PostgreSQL's limit (@debug-host/rules' TENANT_ID_MAX_LENGTH).
 */
export const ROLE_PREFIX_RULE = /^[a-z][a-z0-9_]{0,15}$/;

/** `tenant_<id with - replaced by _>`: ids have no `_`, so the mapping is one to one. */
export function tenantSchema(id: TenantId): string {
  return `tenant_${id.replace(/-/g, '_')}`;
}

export function tenantRole(id: TenantId, rolePrefix = ''): string {
  return `${rolePrefix}${tenantSchema(id)}`;
}

/** Double-quotes an identifier, doubling embedded quotes (as Postgres' quote_ident does). */
export function ident(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes('\0')) {
    throw new Error(`not a usable SQL identifier: ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a literal for the few places parameters cannot go (DDL, UNION of schemas). */
export function literal(value: string): string {
  if (value.includes('\0')) throw new Error('NUL in SQL literal');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Escapes LIKE wildcards so a user's substring matches literally (used with ESCAPE '\'). */
export function likeContains(s: string): string {
  return `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
