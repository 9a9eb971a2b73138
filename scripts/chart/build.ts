/**
 * Builds the chart's objects from the constructs: synthesize the platform with every knob at
 * its sentinel and every toggle in its base state (one sentinel tenant), again with each
 * toggle flipped and without tenants; merge those into one conditional tree per object;
 * replace sentinels and derived values by template expressions; repeat per tenant what
 * reads the tenant. Fails when a sentinel is ambiguous, left over, or has no effect.
 */
import { isDeepStrictEqual } from 'node:util';
import { synthPlatform } from '../../constructs/synth.js';
import { FIELD_DERIVATIONS, type FieldDerivation, TEXT_DERIVATIONS, type TextDerivation } from './derivations.js';
import { Merger } from './merge.js';
import { APP_VERSION, type Resolved, resolveKnobs, sentinelValues, setPath, toggleVariants } from './sentinels.js';
import { Substituter, markTenantItems, readsTenant } from './substitute.js';
import type { ChartObject, Json, TNode } from './tree.js';
import { type ChartValues, configFromValues } from './values.js';

export interface BuiltChart {
  readonly objects: readonly ChartObject[];
  /** Template file path (under templates/) of each object, by index. */
  readonly files: readonly string[];
  readonly knobs: ReturnType<typeof resolveKnobs>;
  readonly variants: number;
}

export const synthValues = (v: ChartValues): Json[] => synthPlatform(configFromValues(v, APP_VERSION)) as unknown as Json[];

/** Sentinel tenant 0's name (any marker of tenant 0: its sentinels are `zq-t0-zq-...` or `zqt0...`). */
const TENANT0 = /zq[-_]t0[-_]zq|zqt0/;

/** Numeric sentinels must come from their knob only: with the knob at its default, the number is gone. */
function checkNumericSentinels(k: ReturnType<typeof resolveKnobs>, base: ChartValues): void {
  const numbers = (objs: Json[]) => {
    const seen = new Set<string>();
    const walk = (j: Json) => {
      if (typeof j === 'number' || (typeof j === 'string' && /^\d+(\.\d+)?$/.test(j))) seen.add(String(j));
      else if (Array.isArray(j)) j.forEach(walk);
      else if (j && typeof j === 'object') Object.values(j).forEach(walk);
    };
    objs.forEach(walk);
    return seen;
  };
  // Without the knob: at its default, else next to its sentinel (when the default breaks a rule between knobs).
  const check = (r: Resolved, at: (v: ChartValues, value: Json | undefined) => void) => {
    if (typeof r.sentinel !== 'number' || r.knob.derivedOnly) return;
    for (const value of [r.knob.default, r.sentinel + 1, r.sentinel - 1]) {
      const v = structuredClone(base);
      at(v, value);
      let found: Set<string>;
      try {
        found = numbers(synthValues(v));
      } catch {
        continue;
      }
      if (found.has(String(r.sentinel))) throw new Error(`chart: the sentinel ${r.sentinel} of ${r.knob.path} also appears without it (a constant of the constructs): pick another in knobs.ts`);
      return;
    }
    throw new Error(`chart: ${r.knob.path}: no value near its sentinel ${r.sentinel} is accepted by the constructs`);
  };
  for (const r of k.platform) check(r, (v, value) => setPath(v, r.knob.path, value));
  for (const r of k.tenants[0] as Resolved[]) check(r, (v, value) => setPath(v.tenants[0] as object, r.knob.path, value));
}

/** A readable file name: sentinels replaced by their value's name, e.g. tenant/httproute-tenant-name.yaml. */
function fileName(raw: Json, k: ReturnType<typeof resolveKnobs>, perTenant: boolean, taken: Set<string>): string {
  const meta = (raw as { kind: string; metadata: { name: string; labels?: Record<string, string> } });
  let name = meta.metadata.name;
  for (const r of [...k.platform, ...(k.tenants[0] as Resolved[])]) {
    if (typeof r.sentinel === 'string') name = name.split(r.sentinel).join(r.tenant === undefined ? r.knob.path.split('.').pop() ?? '' : `tenant-${r.knob.path}`);
  }
  const dir = perTenant ? 'tenant' : meta.metadata.labels?.['app.kubernetes.io/component'] ?? 'platform';
  const base = `${dir}/${meta.kind.toLowerCase()}-${name.replace(/[^a-zA-Z0-9.-]+/g, '-').replace(/^tenant-tenant-name$/, 'tenant')}`;
  let file = `${base}.yaml`;
  for (let i = 2; taken.has(file); i++) file = `${base}-${i}.yaml`;
  taken.add(file);
  return file;
}

function metadataField(node: TNode, field: string): TNode | undefined {
  if (node.t !== 'map') return undefined;
  const meta = node.entries.find((e) => e.key[0] === 'metadata')?.value;
  return meta?.t === 'map' ? meta.entries.find((e) => e.key[0] === field)?.value : undefined;
}

export interface BuildOptions {
  /** Replace the derivations (the tests check that a missing one is caught). */
  readonly textDerivations?: readonly TextDerivation[];
  readonly fieldDerivations?: readonly FieldDerivation[];
}

export function buildChart(options: BuildOptions = {}): BuiltChart {
  const text = options.textDerivations ?? TEXT_DERIVATIONS;
  const fields = options.fieldDerivations ?? FIELD_DERIVATIONS;
  const k = resolveKnobs();
  const base = sentinelValues(k);
  checkNumericSentinels(k, base);
  const variants = toggleVariants(k, base);
  const merger = new Merger((j) => TENANT0.test(JSON.stringify(j)));
  const baseObjects = synthValues(base);
  const synthesized = variants.map((v) => {
    const objects = synthValues(v.values);
    if (isDeepStrictEqual(objects, baseObjects)) throw new Error(`chart: toggling ${v.name} changes no object (is it mapped in values.ts?)`);
    return { cond: v.cond, objects, ...(v.tenantFree ? { tenantFree: true } : {}) };
  });
  const merged = merger.objects(baseObjects, synthesized);
  const sub = new Substituter([...k.platform, ...(k.tenants[0] as Resolved[])], text, fields, { values: base, tenant: base.tenants[0], appVersion: APP_VERSION });
  const taken = new Set<string>();
  const files: string[] = [];
  const objects = merged.map((m): ChartObject => {
    const node = sub.node(m.node, { id: m.id, kind: m.kind, path: [] });
    const named = [metadataField(node, 'name'), metadataField(node, 'namespace')].some((n) => n !== undefined && readsTenant(n));
    const final = named ? node : markTenantItems(node);
    if (!named && (readsTenant(final) || m.when?.tenant)) {
      throw new Error(`chart: ${m.id} reads the tenant outside any list item and is not named after it: the generator cannot repeat it per tenant`);
    }
    files.push(fileName(m.raw, k, named, taken));
    return { id: m.id, kind: m.kind, node: final, perTenant: named, ...(m.when ? { when: m.when } : {}) };
  });
  for (const r of [...k.platform, ...(k.tenants[0] as Resolved[])]) {
    const label = r.tenant === undefined ? r.knob.path : `tenants[].${r.knob.path}`;
    if (r.sentinel !== undefined && !r.knob.derivedOnly && !sub.used.has(label)) throw new Error(`chart: ${label}: its sentinel ${JSON.stringify(r.sentinel)} appears in no object (the value has no effect: is it mapped in values.ts?)`);
  }
  for (const d of [...text, ...fields]) if (!sub.used.has(d.label)) throw new Error(`chart: derivation "${d.label}" matched nothing`);
  return { objects, files, knobs: k, variants: variants.length };
}
