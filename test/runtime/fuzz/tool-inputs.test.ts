/**
 * Every tool's input, fuzzed (fast-check) within its schema and far beyond it: wrong types,
 * missing and extra fields, huge strings, unicode and NUL, `..` paths, shell metacharacters,
 * negative and enormous numbers, catastrophic regexes for host.searchLogs. For every call: an
 * answer (no crash, no protocol error, no hang), a refusal with a known code, `invalid_input`
 * naming the field and the fix, and a refused call changes nothing in the store.
 *
 * FUZZ_RUNS sets the number of calls (@default 10000 in CI, where CI is set, 2000 elsewhere);
 * FUZZ_SEED replays a failing run (fast-check prints the seed).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../runtime/src/domain/errors.js';
import { SYSTEM_ACTOR } from '../../../runtime/src/runtime.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import { FIXTURES, startRuntime, type Harness, type TestClient } from '../harness.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.CI ? 10_000 : 2_000));
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const CALL_BOUND_MS = 20_000; // a call that has not answered by then is a hang

const hostileStrings = fc.constantFrom(
  '', ' ', '..', '../../etc/passwd', '/etc', '/', `${FIXTURES}/../../..`, '/proc/self/environ', '~/.ssh',
  '$(echo pwned)', '`id`', '; echo x', '| cat', '&& echo y', "' OR 1=1 --", '"; DROP TABLE projects; --',
  'a\u0000b', '\u0000', '\u202eevil', '🙂'.repeat(20), 'é'.repeat(300), 'x'.repeat(70_000), '%s%n%x', '\\', '${PATH}',
  '/(a+)+b/', '/(.*a){20}/', '/((a+)\\2)+b/', '/[/', '/(?<=x)y/', 'level:error', 'stream:bogus', '-', '""', '"unterminated',
  'default', 'victim', 'Bad_Tenant', 'web', '00000000-0000-4000-8000-000000000000', '2026-13-45T25:61:00Z', '-5m', '1e309',
);
const anyString = fc.oneof(hostileStrings, fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const anyNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-1, 0, 1, 1.5, 1023, 1024, 65535, 65536, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308),
);
const leaf = fc.oneof(anyString, anyNumber, fc.boolean(), fc.constant(null));
const anyValue = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(anyString, leaf, { maxKeys: 4 }) },
);

/** Values for fields by name: plausible ones often enough that calls get past the first check. */
function fieldValue(name: string, victimId: string): fc.Arbitrary<unknown> {
  const plausible: Record<string, fc.Arbitrary<unknown>> = {
    projectId: fc.constantFrom(victimId, 'victim-web', '00000000-0000-4000-8000-000000000000'),
    workspace: fc.constantFrom(FIXTURES, '/tmp', `${FIXTURES}/..`),
    command: fc.constantFrom('echo hi; echo $(echo nested)', 'exec sleep 600', 'echo `id` | cat && echo done', 'exit 3'),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    tenantId: fc.constantFrom('victim', 'fuzz-a', 'fuzz-b'),
    query: fc.constantFrom('hello', '"exact phrase"', '-nope', '/hel+o/', '/(a+)+b/', 'level:error stream:stderr'),
    port: fc.integer({ min: 1024, max: 65535 }),
    env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), anyString, { maxKeys: 3 }),
  };
  return fc.oneof({ weight: 3, arbitrary: plausible[name] ?? anyValue }, { weight: 2, arbitrary: anyValue });
}

interface ToolShape {
  readonly name: string;
  readonly fields: readonly string[];
}

function toolArgs(tool: ToolShape, victimId: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(tool.fields.map((f) => [f, fieldValue(f, victimId)]));
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.dictionary(anyString, leaf, { minKeys: 1, maxKeys: 2 }) }),
    )
    .map(([known, extra]) => ({ ...known, ...(extra ?? {}) }));
}

describe('every tool, fuzzed', () => {
  let harness: Harness;
  let clients: TestClient[];
  let tools: ToolShape[];
  let victimId: string;

  beforeAll(async () => {
    harness = await startRuntime({ rateLimitPerSecond: 0 });
    await harness.runtime.store.createTenant({ id: 'victim', quotas: { containers: 3 } }, SYSTEM_ACTOR);
    const developer = await harness.client('default', 'developer');
    const platform = await harness.client('default', 'platform-admin');
    // Mostly the developer (most tools are theirs), the platform admin for tenant tools, a viewer now and then.
    clients = [developer, developer, developer, platform, platform, await harness.client('default', 'viewer')];
    victimId = (await developer.ok('host.register', { name: 'victim-web', workspace: FIXTURES, command: 'exec sleep 600', readiness: 'none' })).projectId;
    const listed = await platform.client.listTools();
    tools = listed.tools.map((t) => ({ name: t.name, fields: Object.keys((t.inputSchema as { properties?: object }).properties ?? {}) }));
    expect(tools.length).toBeGreaterThan(15);
  });
  afterAll(() => harness?.close());

  /** What a refused call must leave as it was: audit rows, tenants, and every project's definition and wish. */
  async function storeState(): Promise<string> {
    const { rows } = await (harness.runtime.store as SqlStore).client.query<{ s: string }>(
      `SELECT concat_ws('|',
         (SELECT count(*) FROM platform.audit),
         (SELECT string_agg(id || status || containers || ports, ',' ORDER BY id) FROM platform.tenants),
         (SELECT string_agg(id || name || command || workspace || desired, ',' ORDER BY id) FROM tenant_default.projects)) AS s`,
    );
    return rows[0]?.s ?? '';
  }

  it(`answers ${RUNS} generated calls with a result or a clear refusal that changes nothing`, async () => {
    const codes = new Map<string, number>();
    const property = fc.asyncProperty(
      fc.nat({ max: clients.length - 1 }),
      fc.constantFrom(...tools).chain((tool) => fc.tuple(fc.constant(tool), toolArgs(tool, victimId))),
      async (who, [tool, args]) => {
        const before = await storeState();
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`${tool.name} did not answer within ${CALL_BOUND_MS} ms`)), CALL_BOUND_MS);
        });
        const result = await Promise.race([clients[who]!.call(tool.name, args), hang]).finally(() => clearTimeout(timer));
        const code = result.isError ? String(result.data.error?.code) : 'ok';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!result.isError) return;
        const error = result.data.error as { code: string; message: string; field?: unknown; fix?: unknown };
        expect(ERROR_CODES).toContain(error.code);
        expect(error.message).toEqual(expect.stringMatching(/\S/));
        if (error.code === 'invalid_input') {
          expect(error.field, `${tool.name} ${result.text}`).toEqual(expect.any(String));
          expect(error.fix, `${tool.name} ${result.text}`).toEqual(expect.stringMatching(/\S/));
        }
        expect(await storeState(), `${tool.name} was refused (${result.text.slice(0, 200)}) but changed the store`).toBe(before);
      },
    );
    await fc.assert(property, { numRuns: RUNS, seed: SEED, endOnFailure: true });
    console.log(`[fuzz] ${RUNS} calls over ${tools.length} tools: ${JSON.stringify(Object.fromEntries(codes))}`);
    // The generators must reach past validation, or the run proves little.
    expect(codes.get('ok') ?? 0).toBeGreaterThan(RUNS / 50);
    expect(codes.get('invalid_input') ?? 0).toBeGreaterThan(RUNS / 10);
  }, 900_000);
});
