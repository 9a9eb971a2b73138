/**
 * The knobs made concrete: their sentinel values, template expressions (Go and TypeScript)
 * and toggle conditions; the default values; the values the platform is synthesized with
 * (every knob at its sentinel, every toggle at its base state, one sentinel tenant) and the
 * variants that flip one toggle each.
 */
import { TENANT_ID_MAX_LENGTH } from '@debug-host/rules';
import { APP_VERSION, KNOBS, type Knob, TENANT_KNOBS } from './knobs.js';
import type { Cond, Expr, Json, Scope } from './tree.js';
import type { ChartValues, TenantValues } from './values.js';

export interface Resolved {
  readonly knob: Knob;
  /** `platform`, or the index of the sentinel tenant (0 is the one templates are made from). */
  readonly tenant?: number;
  readonly sentinel: Json | undefined;
  readonly expr: Expr;
  /** For toggles: true in the base state. */
  readonly cond?: Cond;
}

export function getPath(o: unknown, path: string): Json | undefined {
  let cur = o as Json | undefined;
  for (const k of path.split('.')) cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? cur[k] : undefined;
  return cur;
}

export function setPath(o: object, path: string, value: Json | undefined): void {
  const keys = path.split('.');
  let cur = o as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Record<string, unknown>;
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

const goLit = (v: Json): string => JSON.stringify(v);

function typed(knob: Knob, raw: string): string {
  switch (knob.type) {
    case 'integer':
      return `int64 (${raw})`;
    case 'number':
      return `float64 (${raw})`;
    case 'quantity':
      return `toString (${raw})`;
    default:
      return raw;
  }
}

function convert(knob: Knob, v: Json | undefined): Json {
  if (v === undefined || v === null) return null;
  switch (knob.type) {
    case 'integer':
    case 'number':
      return Number(v);
    case 'quantity':
      return String(v);
    default:
      return v;
  }
}

/** The raw Go pipeline and TypeScript read of a knob, before type conversion. */
function read(knob: Knob, tenant: boolean): { go: string; ts: (s: Scope) => Json | undefined } {
  if (!tenant) {
    const go = knob.expr?.go ?? `$.Values.${knob.path}`;
    return { go, ts: (s) => (knob.expr ? knob.expr.ts(getPath(s.values, knob.path) as Json, { appVersion: s.appVersion }) : getPath(s.values, knob.path)) };
  }
  const keys = knob.path.split('.');
  const go = knob.expr?.go ?? (knob.default === undefined ? `$t.${knob.path}` : `dig ${keys.map(goLit).join(' ')} ${goLit(knob.default)} $t`);
  return {
    go,
    ts: (s) => {
      const v = getPath(s.tenant, knob.path);
      if (knob.expr) return knob.expr.ts(v as Json, { appVersion: s.appVersion, tenantName: s.tenant?.name });
      return v === undefined ? knob.default : v;
    },
  };
}

export function knobExpr(knob: Knob, tenant: boolean): Expr {
  const r = read(knob, tenant);
  return { go: typed(knob, r.go), ts: (s) => convert(knob, r.ts(s)), tenant };
}

function toggleCond(knob: Knob, tenant: boolean): Cond | undefined {
  const t = knob.toggle;
  if (!t) return undefined;
  const r = read(knob, tenant);
  if (typeof t.base === 'boolean') {
    return t.base ? { go: r.go, ts: (s) => r.ts(s) === true, tenant } : { go: `not (${r.go})`, ts: (s) => r.ts(s) !== true, tenant };
  }
  if (t.base === 'sentinel') return { go: r.go, ts: (s) => r.ts(s) !== '' && r.ts(s) !== undefined, tenant };
  return { go: `eq (${r.go}) ${goLit(t.base)}`, ts: (s) => r.ts(s) === t.base, tenant };
}

/** Assigns every knob its sentinel: `zq<path>zq` strings, fresh numbers from 7001 up. */
export function resolveKnobs(): { platform: Resolved[]; tenants: Resolved[][] } {
  let next = 7001;
  const sentinelOf = (k: Knob, prefix: string, tenantIndex?: number): Json | undefined => {
    if (k.sentinel === undefined) return undefined;
    if (k.sentinel !== 'auto') return k.sentinel;
    if (tenantIndex !== undefined && k.path === 'name') {
      // Hyphens and the longest name expose derived forms (tenant_<id>, truncations).
      return `zq-t${tenantIndex}-zq-`.padEnd(TENANT_ID_MAX_LENGTH, 'x');
    }
    if (k.type === 'integer') return next++;
    if (k.type === 'quantity') return `${next++}Mi`;
    return `zq${prefix}${k.path.replace(/[^a-zA-Z0-9]/g, '').toLowerCase()}zq`;
  };
  const platform = KNOBS.map((knob): Resolved => ({ knob, sentinel: sentinelOf(knob, ''), expr: knobExpr(knob, false), cond: toggleCond(knob, false) }));
  const tenants = [0, 1].map((i) =>
    TENANT_KNOBS.map((knob): Resolved => ({ knob, tenant: i, sentinel: sentinelOf(knob, `t${i}`, i), expr: knobExpr(knob, true), cond: toggleCond(knob, true) })),
  );
  return { platform, tenants };
}

/** values.yaml: every knob at its default, no tenants. */
export function defaultValues(): ChartValues {
  const v = {} as ChartValues;
  for (const k of KNOBS) setPath(v, k.path, k.default);
  v.tenants = [];
  return v;
}

/** The state a toggle is in for the base synthesis (presence toggles: their sentinel). */
const baseState = (r: Resolved): Json | undefined => (r.knob.toggle?.base === 'sentinel' ? r.sentinel : r.knob.toggle ? r.knob.toggle.base : r.sentinel);

export function sentinelTenant(knobs: readonly Resolved[]): TenantValues {
  const t = {} as TenantValues;
  for (const r of knobs) setPath(t, r.knob.path, baseState(r));
  return t;
}

/** Every knob at its sentinel and every toggle at its base state, with sentinel tenant 0. */
export function sentinelValues(k: ReturnType<typeof resolveKnobs>): ChartValues {
  const v = defaultValues();
  for (const r of k.platform) if (baseState(r) !== undefined) setPath(v, r.knob.path, baseState(r));
  v.tenants = [sentinelTenant(k.tenants[0] as Resolved[])];
  return v;
}

export interface ValuesVariant {
  readonly name: string;
  readonly cond: Cond;
  readonly values: ChartValues;
  readonly tenantFree?: boolean;
}

/** One variant per toggle (flipped, with what it implies), and the variant without tenants. */
export function toggleVariants(k: ReturnType<typeof resolveKnobs>, base: ChartValues): ValuesVariant[] {
  const out: ValuesVariant[] = [];
  for (const r of k.platform) {
    if (!r.knob.toggle || !r.cond) continue;
    const v = structuredClone(base);
    setPath(v, r.knob.path, r.knob.toggle.variant);
    for (const [p, value] of Object.entries(r.knob.toggle.also ?? {})) setPath(v, p, value);
    out.push({ name: r.knob.path, cond: r.cond, values: v });
  }
  for (const r of k.tenants[0] as Resolved[]) {
    if (!r.knob.toggle || !r.cond) continue;
    const v = structuredClone(base);
    setPath(v.tenants[0] as object, r.knob.path, r.knob.toggle.variant);
    out.push({ name: `tenants[].${r.knob.path}`, cond: r.cond, values: v });
  }
  out.push({ name: 'tenants', cond: { go: '$.Values.tenants', ts: (s) => s.values.tenants.length > 0 }, values: { ...structuredClone(base), tenants: [] }, tenantFree: true });
  return out;
}

export { APP_VERSION };
