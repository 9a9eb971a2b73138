/**
 * The tenant id: the one rule that the runtime (tenant records, tool inputs), the constructs
 * (`Tenant`, `Gateway`, `Kafka`, `PostgresHA`, `Observability`), the stacks (`defineTenant`)
 * and the Helm chart's values schema all apply, so that an id one of them accepts is
 * accepted by every other and is valid in every name built from it.
 */

/**
 * Shortest tenant id. Not a limit of any name built from the id: the runtime's minimum
 * from the start, kept so that no id it has stored or issued a token for changes meaning.
 */
export const TENANT_ID_MIN_LENGTH = 3;

/**
 * Longest tenant id: 40, the tightest of the names built from it (the longest names win):
 * - PostgreSQL role `<DEBUG_HOST_DB_ROLE_PREFIX>tenant_<id>`: identifiers are at most 63
 *   bytes and the prefix at most 16 characters, so 63 - 16 - 7 = 40;
 * - PostgreSQL schema `tenant_<id>`: 63 - 7 = 56;
 * - Kubernetes namespace `tenant-<id>` and KafkaUser `tenant-<id>` (DNS labels): 63 - 7 = 56;
 * - the label value `debug-host.io/tenant: <id>` and the host `<id>.<domain>` (one DNS
 *   label under the platform domain, which the wildcard certificate covers): 63.
 */
export const TENANT_ID_MAX_LENGTH = 40;

/**
 * Lowercase letters, digits and `-`, a letter first (an id of digits only would be a number
 * in YAML and Pulumi config), a letter or digit last (a DNS label), 3-40 characters.
 * There is no `_`, so the schema name `tenant_<id with - as _>` maps back to one id. The
 * source has no lookaround or flags: Helm's schema validator (Go, RE2) reads it as is.
 */
export const TENANT_ID_RULE = new RegExp(`^[a-z][a-z0-9-]{${TENANT_ID_MIN_LENGTH - 2},${TENANT_ID_MAX_LENGTH - 2}}[a-z0-9]$`);

/** The rule in words, as the refusals state it. */
export const TENANT_ID_DESCRIPTION =
  `${TENANT_ID_MIN_LENGTH}-${TENANT_ID_MAX_LENGTH} characters: lowercase letters, digits and hyphens, ` +
  'starting with a letter and not ending with a hyphen';

/** Why an id was refused and what to use instead; `problem` has no final period, `fix` does. */
export interface TenantIdProblem {
  readonly problem: string;
  readonly fix: string;
}

export function isTenantId(id: unknown): id is string {
  return typeof id === 'string' && TENANT_ID_RULE.test(id);
}

/**
 * Undefined for a valid tenant id; otherwise what is wrong with it (and the rule) and the
 * fix, with a corrected id when one can be made from it. `field` names what to set in the
 * fix, e.g. `tenantId` or `name`.
 */
export function tenantIdProblem(id: unknown, field = 'the tenant id'): TenantIdProblem | undefined {
  if (isTenantId(id)) return undefined;
  const reason = typeof id === 'string' ? whatIsWrong(id) : `it is ${id === null ? 'null' : Array.isArray(id) ? 'an array' : `of type ${typeof id}`}, not a string`;
  const suggested = typeof id === 'string' ? suggestTenantId(id) : undefined;
  return {
    problem: `${show(id)} is not a valid tenant id: ${reason}; a tenant id is ${TENANT_ID_DESCRIPTION} (${TENANT_ID_RULE.source})`,
    fix: `Set ${field} to ${suggested ? `'${suggested}'` : "an id such as 'acme' or 'team-42'"}.`,
  };
}

/** The first thing wrong with a string that is not a tenant id. */
function whatIsWrong(id: string): string {
  if (id.length < TENANT_ID_MIN_LENGTH) return `it has ${id.length} character${id.length === 1 ? '' : 's'}, fewer than ${TENANT_ID_MIN_LENGTH}`;
  if (id.length > TENANT_ID_MAX_LENGTH) return `it has ${id.length} characters, more than ${TENANT_ID_MAX_LENGTH}`;
  const bad = [...new Set(id.replace(/[a-z0-9-]/g, ''))];
  if (bad.length > 0) return `it contains ${bad.slice(0, 5).map((c) => JSON.stringify(c)).join(', ')}${bad.length > 5 ? ', ...' : ''}`;
  if (!/^[a-z]/.test(id)) return `it starts with ${JSON.stringify(id.charAt(0))}, not a letter`;
  return 'it ends with "-"';
}

/** A valid id made from a refused one (lowercased, other characters as `-`, trimmed), if any. */
function suggestTenantId(id: string): string | undefined {
  const s = id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, TENANT_ID_MAX_LENGTH)
    .replace(/-+$/, '');
  return isTenantId(s) ? s : undefined;
}

/** The refused value for a message: quoted, and cut short when long. */
function show(id: unknown): string {
  if (typeof id !== 'string') return String(id);
  return id.length > 60 ? `${JSON.stringify(id.slice(0, 60))}...` : JSON.stringify(id);
}
