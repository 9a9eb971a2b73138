/**
 * The chart's templates as a tree: plain JSON where nothing varies, and nodes for what the
 * values decide (an expression, a string built from parts, a choice, a conditional entry, an
 * item repeated per tenant). Every expression carries its Go template text (what Helm runs)
 * and the same computation in TypeScript (what the generator runs to check itself against
 * the constructs before writing anything).
 */
import type { ChartValues, TenantValues } from './values.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** What an expression sees: the values, the tenant of the enclosing `range` (as `$t`), the chart. */
export interface Scope {
  readonly values: ChartValues;
  readonly tenant?: TenantValues;
  readonly appVersion: string;
}

/** A scalar: `go` is a Go template pipeline (no braces), `ts` computes the same. */
export interface Expr {
  readonly go: string;
  readonly ts: (s: Scope) => Json;
  /** Reads the tenant of the enclosing `range` ($t). */
  readonly tenant?: boolean;
  /** Yields a string (emitted as `toJson` of it, not through printf). */
  readonly stringy?: boolean;
}

/** A condition, for `{{- if }}`. */
export interface Cond {
  readonly go: string;
  readonly ts: (s: Scope) => boolean;
  readonly tenant?: boolean;
}

/** A literal piece of a string, or an expression formatted with `%v`. */
export type Part = string | Expr;

export type TNode =
  | { readonly t: 'lit'; readonly v: Json }
  | { readonly t: 'str'; readonly parts: readonly Part[] }
  | { readonly t: 'expr'; readonly e: Expr }
  | { readonly t: 'if'; readonly c: Cond; readonly then: TNode; readonly else: TNode }
  | { readonly t: 'map'; readonly entries: readonly MapEntry[] }
  | { readonly t: 'list'; readonly items: readonly ListItem[] };

export interface MapEntry {
  readonly key: readonly Part[];
  readonly value: TNode;
  readonly when?: Cond;
}

export interface ListItem {
  readonly value: TNode;
  readonly when?: Cond;
  /** Emitted once per tenant (`{{- range $t := $.Values.tenants }}`). */
  readonly perTenant?: boolean;
}

/** One manifest of the chart: a template file (per tenant inside a `range`), maybe conditional. */
export interface ChartObject {
  /** `Kind/namespace/name` with the sentinels in it (for messages and file names). */
  readonly id: string;
  readonly kind: string;
  readonly node: TNode;
  readonly when?: Cond;
  readonly perTenant: boolean;
}

export const lit = (v: Json): TNode => ({ t: 'lit', v });

export function and(a: Cond | undefined, b: Cond | undefined): Cond | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.go === b.go) return a;
  return { go: `and (${a.go}) (${b.go})`, ts: (s) => a.ts(s) && b.ts(s), tenant: a.tenant || b.tenant };
}

export function not(c: Cond): Cond {
  return { go: `not (${c.go})`, ts: (s) => !c.ts(s), tenant: c.tenant };
}

/** Go's `%v` of what the expressions yield (ints are int64, floats print shortest). */
function format(v: Json): string {
  return v === null ? '<nil>' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function partsText(parts: readonly Part[], s: Scope): string {
  return parts.map((p) => (typeof p === 'string' ? p : format(p.ts(s)))).join('');
}

/** What Helm would render for `node` under `scope`, as JSON (`undefined` for nothing). */
export function evaluate(node: TNode, s: Scope): Json {
  switch (node.t) {
    case 'lit':
      return node.v;
    case 'str':
      return partsText(node.parts, s);
    case 'expr':
      return node.e.ts(s);
    case 'if':
      return evaluate(node.c.ts(s) ? node.then : node.else, s);
    case 'map': {
      const out: Record<string, Json> = {};
      for (const e of node.entries) if (!e.when || e.when.ts(s)) out[partsText(e.key, s)] = evaluate(e.value, s);
      return out;
    }
    case 'list': {
      const out: Json[] = [];
      for (const item of node.items) {
        const scopes = item.perTenant ? s.values.tenants.map((tenant) => ({ ...s, tenant })) : [s];
        for (const sc of scopes) if (!item.when || item.when.ts(sc)) out.push(evaluate(item.value, sc));
      }
      return out;
    }
  }
}

/** Every object the chart renders for `values`, as Helm would. */
export function renderChart(objects: readonly ChartObject[], values: ChartValues, appVersion: string): Json[] {
  const root: Scope = { values, appVersion };
  const out: Json[] = [];
  for (const o of objects) {
    const scopes = o.perTenant ? values.tenants.map((tenant) => ({ ...root, tenant })) : [root];
    for (const s of scopes) if (!o.when || o.when.ts(s)) out.push(evaluate(o.node, s));
  }
  return out;
}
