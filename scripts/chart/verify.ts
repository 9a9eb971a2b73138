/**
 * The generator's check of its own chart, before anything is written: for many values (the
 * defaults, each reference environment, every toggle flipped alone and in pairs, every
 * knob's probes, tenant lists of several shapes, seeded random combinations) the chart's
 * objects, rendered in TypeScript from the same tree the templates are written from, must
 * equal the constructs' synth object for object, and the values must pass the values schema.
 * The defaults must also equal the constructs' own defaults, and each environment's values
 * the environment's config. The real `helm template` is compared in the integration tier.
 */
import { Ajv } from 'ajv';
import type { DebugHostPlatformConfig } from '../../constructs/platform.js';
import { synthPlatform } from '../../constructs/synth.js';
import { ENVIRONMENTS, ENVIRONMENT_NAMES, EXAMPLE_TENANTS } from '../../constructs/environments.js';
import type { BuiltChart } from './build.js';
import { diffManifests } from './compare.js';
import { helmMerge, overrides } from './helm-values.js';
import { KNOBS, type Knob, TENANT_KNOBS } from './knobs.js';
import { APP_VERSION, defaultValues, getPath, setPath } from './sentinels.js';
import { valuesSchema } from './schema.js';
import { type Json, renderChart } from './tree.js';
import { type ChartValues, configFromValues, valuesFromConfig } from './values.js';

export interface VerifyCase {
  readonly name: string;
  readonly values: ChartValues;
  /** Compare with this config's synth (else with configFromValues(values)'s). */
  readonly config?: DebugHostPlatformConfig;
  /** Random combinations may break a rule of the schema; they are skipped then. */
  readonly random?: boolean;
}

export interface VerifyResult {
  readonly checked: number;
  /** Values the schema accepts and the constructs refuse (the chart's validate template must refuse them too). */
  readonly refused: readonly string[];
}

/** values-<env>.yaml's content: the environment's values over the defaults. */
export function environmentOverrides(env: (typeof ENVIRONMENT_NAMES)[number]): Record<string, Json> {
  const d = defaultValues();
  return overrides(valuesFromConfig(ENVIRONMENTS[env], d, APP_VERSION), d);
}

function flip(values: ChartValues, k: Knob, target: object): ChartValues {
  const t = k.toggle;
  if (!t) return values;
  const cur = getPath(target, k.path);
  let next: Json;
  if (typeof t.base === 'boolean') next = cur !== true;
  else if (t.base === 'sentinel') next = cur === '' ? (k.probes?.[0] as Json) : '';
  else next = cur === t.base ? t.variant : t.base;
  setPath(target, k.path, next);
  const toVariant = next === t.variant || (t.base === 'sentinel' && next === '');
  for (const [p, v] of Object.entries((toVariant ? t.also : t.requires) ?? {})) setPath(values, p, v);
  return values;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function verificationCases(): VerifyCase[] {
  const d = defaultValues();
  const cases: VerifyCase[] = [{ name: 'defaults', values: d, config: { environment: d.environment, domain: d.domain } }];
  for (const env of ENVIRONMENT_NAMES) cases.push({ name: `values-${env}.yaml`, values: helmMerge(d, environmentOverrides(env)), config: ENVIRONMENTS[env] });
  const withTenants: ChartValues = { ...structuredClone(d), tenants: valuesFromConfig({ environment: 'x', domain: 'x.y', tenants: EXAMPLE_TENANTS }, d, APP_VERSION).tenants };
  const prod = helmMerge(d, environmentOverrides('prod'));
  const toggles = KNOBS.filter((k) => k.toggle);
  const tenantToggles = TENANT_KNOBS.filter((k) => k.toggle);
  for (const [baseName, base] of [['tenants', withTenants], ['prod', prod]] as const) {
    for (const k of toggles) {
      const v = structuredClone(base);
      cases.push({ name: `${baseName} with ${k.path} flipped`, values: flip(v, k, v) });
    }
    for (const k of tenantToggles) {
      const v = structuredClone(base);
      cases.push({ name: `${baseName} with tenants[0].${k.path} flipped`, values: flip(v, k, v.tenants[0] as object) });
    }
  }
  toggles.forEach((a, i) =>
    toggles.slice(i + 1).forEach((b) => {
      const v = structuredClone(withTenants);
      cases.push({ name: `tenants with ${a.path} and ${b.path} flipped`, values: flip(flip(v, a, v), b, v) });
    }),
  );
  for (const k of KNOBS) {
    for (const p of k.probes ?? []) {
      const v = structuredClone(withTenants);
      setPath(v, k.path, p);
      cases.push({ name: `${k.path} = ${JSON.stringify(p)}`, values: v });
    }
  }
  for (const k of TENANT_KNOBS) {
    for (const p of k.probes ?? []) {
      const v = structuredClone(withTenants);
      setPath(v.tenants[0] as object, k.path, p);
      cases.push({ name: `tenants[0].${k.path} = ${JSON.stringify(p)}`, values: v });
    }
  }
  cases.push({ name: 'no tenants', values: { ...structuredClone(withTenants), tenants: [] } });
  cases.push({ name: 'one bare tenant', values: { ...structuredClone(d), tenants: [{ name: 'solo' }] } });
  const full = Object.fromEntries(TENANT_KNOBS.map((k) => [k.path, k.toggle ? true : (k.probes?.[k.probes.length - 1] ?? null)]));
  const fullTenant = {} as ChartValues['tenants'][number];
  for (const [p, v] of Object.entries(full)) setPath(fullTenant, p, v);
  cases.push({ name: 'tenants with every field', values: { ...structuredClone(withTenants), tenants: [...withTenants.tenants, { ...fullTenant, name: 'full-tenant' }] } });

  const rand = mulberry32(20261201);
  for (let i = 0; i < 60; i++) {
    const v = structuredClone(rand() < 0.5 ? withTenants : prod);
    for (const k of KNOBS) {
      if (k.toggle && rand() < 0.3) flip(v, k, v);
      else if (!k.toggle && k.probes?.length && rand() < 0.2) setPath(v, k.path, k.probes[Math.floor(rand() * k.probes.length)] as Json);
    }
    for (const t of v.tenants) if (rand() < 0.3) t.allowSameNamespace = true;
    cases.push({ name: `random #${i}`, values: v, random: true });
  }
  return cases;
}

export function verifyChart(chart: BuiltChart, cases: readonly VerifyCase[] = verificationCases()): VerifyResult {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(valuesSchema());
  const refused = new Set<string>();
  let checked = 0;
  for (const c of cases) {
    if (!validate(c.values)) {
      if (c.random) {
        refused.add(`schema: ${ajv.errorsText(validate.errors)}`);
        continue;
      }
      throw new Error(`chart: check "${c.name}": values.schema.json refuses values the chart should accept: ${ajv.errorsText(validate.errors)}`);
    }
    let expected: Json[];
    try {
      expected = synthPlatform(c.config ?? configFromValues(c.values, APP_VERSION)) as unknown as Json[];
    } catch (e) {
      refused.add((e as Error).message);
      continue;
    }
    if (c.config) {
      const mapped = synthPlatform(configFromValues(c.values, APP_VERSION));
      const d = diffManifests(expected, mapped);
      if (d.length > 0) throw new Error(`chart: check "${c.name}": the values do not map back onto the config:\n${d.join('\n')}`);
    }
    const d = diffManifests(expected, renderChart(chart.objects, c.values, APP_VERSION));
    if (d.length > 0) throw new Error(`chart: check "${c.name}": the chart renders other objects than the constructs:\n${d.slice(0, 60).join('\n')}`);
    checked++;
  }
  return { checked, refused: [...refused] };
}
