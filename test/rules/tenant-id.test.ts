/**
 * The one tenant-id rule (@debug-host/rules): its numbers and why they fit every name built
 * from an id, the refusals' wording, and that the runtime, the constructs, the stacks and the
 * chart's values schema accept exactly the ids the rule accepts (a fast-check property).
 */
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { App, Chart } from 'cdk8s';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  isTenantId,
  TENANT_ID_DESCRIPTION,
  TENANT_ID_MAX_LENGTH,
  TENANT_ID_MIN_LENGTH,
  TENANT_ID_RULE,
  tenantIdProblem,
} from '@debug-host/rules';
import {
  ConstructPropsError,
  DebugHostPlatform,
  Gateway,
  Kafka,
  Observability,
  PostgresHA,
  Tenant,
  tenantSchemaName,
  tenantTopicPrefix,
} from '../../constructs/index.js';
import { DebugHostError } from '../../runtime/src/domain/errors.js';
import { loadConfig } from '../../runtime/src/config.js';
import { ident, ROLE_PREFIX_RULE, tenantRole, tenantSchema, validateTenantId } from '../../runtime/src/store/names.js';
import { tenantId as tenantIdField } from '../../runtime/src/tools/fields.js';
import { parseInput } from '../../runtime/src/tools/validation.js';
import { valuesSchema } from '../../scripts/chart/schema.js';
import { defaultValues } from '../../scripts/chart/sentinels.js';
import { defineTenant, TenantDefinitionError } from '../../stacks/tenant-definition.js';
import { DEFAULT_TENANTS_DIR, loadTenants } from '../../stacks/tenant-loader.js';

const LONGEST = `a${'b0-'.repeat(20)}`.slice(0, TENANT_ID_MAX_LENGTH - 1) + 'z';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Runs `make`; false when it refused with `refusal` (any other error fails the test). */
function accepted(make: () => unknown, refusal: abstract new (...args: never[]) => Error): boolean {
  try {
    make();
    return true;
  } catch (error) {
    if (error instanceof refusal) return false;
    throw error;
  }
}

const validateValues = new Ajv({ allErrors: true, strict: false }).compile(valuesSchema());
const chart = () => new Chart(new App(), 'c');

/** Every place an id is checked, each answering "accepted?" for one id. */
const CONSUMERS: Record<string, (id: string) => boolean> = {
  'runtime validateTenantId (the store)': (id) => accepted(() => validateTenantId(id), DebugHostError),
  'runtime tenantId tool field': (id) => tenantIdField.safeParse(id).success,
  'constructs Tenant': (id) => accepted(() => new Tenant(chart(), 't', { name: id }), ConstructPropsError),
  'constructs Gateway': (id) => accepted(() => new Gateway(chart(), 'g', { domain: 'example.com', tenants: [{ name: id }] }), ConstructPropsError),
  'constructs Kafka': (id) => accepted(() => new Kafka(chart(), 'k', { tenants: [id] }), ConstructPropsError),
  'constructs PostgresHA': (id) => accepted(() => new PostgresHA(chart(), 'p', { tenantSchemas: [id] }), ConstructPropsError),
  'constructs Observability': (id) => accepted(() => new Observability(chart(), 'o', { tenants: [id] }), ConstructPropsError),
  'stacks defineTenant': (id) => accepted(() => defineTenant({ name: id, owners: ['ops@example.com'], environments: ['dev'] }), TenantDefinitionError),
  'chart values.schema.json': (id) => validateValues({ ...(defaultValues() as object), tenants: [{ name: id }] }),
};

describe('the tenant-id rule', () => {
  it('is 3-40 lowercase letters, digits and hyphens, a letter first and no hyphen last, in an RE2-safe regex', () => {
    expect([TENANT_ID_MIN_LENGTH, TENANT_ID_MAX_LENGTH]).toEqual([3, 40]);
    expect(TENANT_ID_RULE.source).toBe('^[a-z][a-z0-9-]{1,38}[a-z0-9]$');
    expect(TENANT_ID_RULE.flags).toBe('');
    expect(TENANT_ID_RULE.source).not.toMatch(/\(\?[=!<]|\\[bB1-9]/); // no lookaround, word boundary or backreference
    expect(TENANT_ID_DESCRIPTION).toBe('3-40 characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen');
    for (const ok of ['acme', 'globex', 'initech', 'abc', 'team-42', 'a-b', 'a--b', LONGEST]) expect(isTenantId(ok), ok).toBe(true);
    for (const bad of ['', 'ab', 'Acme', '1abc', '-abc', 'abc-', 'a_b', 'a.b', 'a b', 'acmé', `${LONGEST}x`, 'abc\n']) expect(isTenantId(bad), bad).toBe(false);
  });

  it('keeps the longest id within every name built from it (63 everywhere), the Postgres role with the longest prefix being the tightest', () => {
    expect(LONGEST).toHaveLength(TENANT_ID_MAX_LENGTH);
    // The runtime's role prefix is at most 16 characters (DEBUG_HOST_DB_ROLE_PREFIX): 16 + 'tenant_' + 40 = 63.
    const prefix = `p${'_'.repeat(15)}`;
    expect(ROLE_PREFIX_RULE.test(prefix)).toBe(true);
    expect(ROLE_PREFIX_RULE.test(`${prefix}x`)).toBe(false);
    expect(() => loadConfig({ dbRolePrefix: `${prefix}x` }, {})).toThrow(/DEBUG_HOST_DB_ROLE_PREFIX/);
    const role = tenantRole(LONGEST, prefix);
    expect(Buffer.byteLength(role)).toBe(63);
    expect(() => ident(role)).not.toThrow();
    expect(() => ident(`${role}x`)).toThrow(/not a usable SQL identifier/);
    // The schema name is the same in the runtime and the constructs, and one to one with the id.
    expect(tenantSchema(LONGEST)).toBe(tenantSchemaName(LONGEST));
    expect(tenantSchema(LONGEST).length).toBeLessThanOrEqual(63);
    // Kubernetes: the namespace and the KafkaUser `tenant-<id>`, the label value and the host label.
    for (const label of [Tenant.namespaceFor(LONGEST), `tenant-${LONGEST}`, LONGEST]) expect(label).toMatch(DNS_LABEL);
    expect(tenantTopicPrefix(LONGEST).length).toBeLessThan(249);
    // The runtime's namespace pattern may add 23 characters to an id, no more.
    const pattern = (extra: number) => `${'t'.repeat(extra - 1)}-{tenant}`;
    expect(loadConfig({}, { DEBUG_HOST_KUBE_NAMESPACE_PATTERN: pattern(23) }).kubeNamespacePattern).toBe(pattern(23));
    expect(() => loadConfig({}, { DEBUG_HOST_KUBE_NAMESPACE_PATTERN: pattern(24) })).toThrow(/adds 24 characters to the tenant id, more than the 23 .*'tenant-\{tenant\}'/);
  });

  it.each([
    ['ab', /^"ab" is not a valid tenant id: it has 2 characters, fewer than 3; a tenant id is 3-40 characters: .*\(\^\[a-z\]\[a-z0-9-\]\{1,38\}\[a-z0-9\]\$\)$/, "Set name to an id such as 'acme' or 'team-42'."],
    ['x'.repeat(41), /it has 41 characters, more than 40;/, `Set name to '${'x'.repeat(40)}'.`],
    ['Acme_Corp', /it contains "A", "_", "C";/, "Set name to 'acme-corp'."],
    ['1abc', /it starts with "1", not a letter;/, "Set name to 'abc'."],
    ['abc-', /it ends with "-";/, "Set name to 'abc'."],
    [42, /^42 is not a valid tenant id: it is of type number, not a string;/, "Set name to an id such as 'acme' or 'team-42'."],
    ['y'.repeat(100), /^"y{60}"\.\.\. is not a valid tenant id: it has 100 characters/, `Set name to '${'y'.repeat(40)}'.`],
  ])('refuses %j saying why, the rule, and the fix', (id, problem, fix) => {
    const refused = tenantIdProblem(id, 'name');
    expect(refused?.problem).toMatch(problem);
    expect(refused?.problem).toContain(TENANT_ID_DESCRIPTION);
    expect(refused?.fix).toBe(fix);
    expect(tenantIdProblem('acme')).toBeUndefined();
  });
});

describe('runtime, constructs, stacks and chart agree', () => {
  const nearValid = fc
    .tuple(fc.constantFrom('a', 'q', '1', '-', 'A'), fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', '-'), maxLength: 41 }), fc.constantFrom('z', '9', '-', '_'))
    .map(([first, middle, last]) => first + middle + last);
  const ids = fc.oneof(fc.stringMatching(TENANT_ID_RULE), nearValid, fc.string({ maxLength: 45 }), fc.string({ unit: fc.constantFrom('a', 'B', '-', '_', '.', ' ', 'é', '7'), maxLength: 8 }));

  it('accept and refuse exactly the same ids, the ones the rule accepts', () => {
    fc.assert(
      fc.property(ids, (id) => {
        const verdicts = Object.fromEntries(Object.entries(CONSUMERS).map(([name, accepts]) => [name, accepts(id)]));
        expect(verdicts, JSON.stringify(id)).toEqual(Object.fromEntries(Object.keys(CONSUMERS).map((name) => [name, isTenantId(id)])));
      }),
      { numRuns: 300 },
    );
  });

  it('keep every tenant of stacks/tenants and the test fixtures valid', async () => {
    const extra = fileURLToPath(new URL('../stacks/fixtures/extra-tenants/', import.meta.url));
    const names = (await loadTenants([DEFAULT_TENANTS_DIR, extra])).map((t) => t.name);
    expect(names).toEqual(['acme', 'globex', 'initech']);
    for (const name of names) for (const [consumer, accepts] of Object.entries(CONSUMERS)) expect(accepts(name), `${consumer}: ${name}`).toBe(true);
  });
});

describe('refusals name the field and the fix', () => {
  it('runtime store: the field, the rule and a corrected id', () => {
    expect(() => validateTenantId('Acme', 'tenant')).toThrow(
      expect.objectContaining({ code: 'invalid_input', field: 'tenant', message: expect.stringMatching(/^tenant: "Acme" is not a valid tenant id: .*\$\)\.$/), fix: "Set tenant to 'acme'." }),
    );
  });

  it('runtime tools: the tool, the field and the fix', () => {
    expect(() => parseInput('tenant.create', z.object({ tenantId: tenantIdField }).strict(), { tenantId: 'Bad_Tenant' })).toThrow(
      expect.objectContaining({
        field: 'tenantId',
        message: expect.stringMatching(/^tenant\.create: tenantId: "Bad_Tenant" is not a valid tenant id: it contains "B", "_", "T"; a tenant id is 3-40 characters/),
        fix: 'Send tenantId as a tenant id such as `acme` or `team-blue`',
      }),
    );
    // tools/list shows the rule as the field's pattern.
    expect(z.toJSONSchema(tenantIdField)).toMatchObject({ pattern: TENANT_ID_RULE.source });
  });

  it('constructs: the construct, the prop and the fix', () => {
    expect(() => new Tenant(chart(), 't', { name: 'Acme' })).toThrow(/^Tenant: invalid prop 'name': "Acme" is not a valid tenant id: it contains "A"; .*\$\)\. Set name to 'acme'\.$/);
    expect(() => new Kafka(chart(), 'k', { tenants: ['a'] })).toThrow(/^Kafka: invalid prop 'tenants\[\]': "a" is not a valid tenant id: it has 1 character, fewer than 3; .* Set tenants\[\] to an id such as 'acme' or 'team-42'\.$/);
    expect(() => new DebugHostPlatform(chart(), 'p', { environment: 'dev', domain: 'example.com', tenants: [{ name: 'ACME' }] })).toThrow(/^DebugHostPlatform: invalid prop 'tenants\[\]\.name': "ACME"/);
  });

  it('stacks: the tenant, the field, the fix and the file to fix it in', () => {
    expect(() => defineTenant({ name: 'Acme', owners: ['ops@example.com'], environments: ['dev'] })).toThrow(
      /^Tenant "Acme": invalid name: "Acme" is not a valid tenant id: it contains "A"; .*\$\); set name to 'acme'\. Fix it in stacks\/tenants\/Acme\.ts\.$/,
    );
  });
});
