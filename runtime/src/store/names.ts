/**
 * Tenant ids, the schema and role names derived from them, and safe quoting. Every
 * identifier that reaches SQL text goes through `ident()`; values go through parameters.
 */
import { DebugHostError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';

/** A DNS label: it also names the tenant's Kubernetes namespace and Postgres schema. */
export const TENANT_ID_RULE = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

export function validateTenantId(id: unknown, field = 'tenant'): TenantId {
  if (typeof id !== 'string' || !TENANT_ID_RULE.test(id)) {
    throw new DebugHostError(
      'invalid_input',
      `${field}: '${String(id)}' is not a valid tenant id; it must match ${TENANT_ID_RULE.source} ` +
        '(3-40 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen).',
      { field, fix: `Use a DNS label such as 'acme' or 'team-42' for ${field}.` },
    );
  }
  return id;
}

/** Optional prefix for tenant role names, for several databases sharing one cluster (roles are cluster-wide). */
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
