/**
 * Turns the merged tree's literal values into template expressions: every occurrence of a
 * sentinel becomes its knob's expression, derived values (derivations.ts) theirs, and what
 * is left must hold no trace of a sentinel (a `zq` marker, or the digits of a numeric one),
 * since that would be a value the constructs derived from a knob in a way nobody templated:
 * the generation stops there, naming the object and field. Then marks what repeats per
 * tenant: an object whose name reads the tenant, else the innermost list item that does.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldDerivation, TextDerivation } from './derivations.js';
import type { Resolved } from './sentinels.js';
import type { Cond, Expr, Json, ListItem, MapEntry, Part, Scope, TNode } from './tree.js';

interface Pattern {
  readonly find: string;
  readonly parts: readonly Part[];
  readonly label: string;
}

interface Ctx {
  readonly id: string;
  readonly kind: string;
  readonly path: readonly string[];
}

const MARKER = 'zq';

export class Substituter {
  /** Times each knob or derivation was substituted, by label. */
  readonly used = new Map<string, number>();
  private readonly pre: Pattern[];
  private readonly main: Pattern[];
  private readonly post: Pattern[];
  private readonly numbers = new Map<number, Pattern & { expr: Expr }>();
  private readonly numberTexts: string[] = [];

  constructor(
    knobs: readonly Resolved[],
    text: readonly TextDerivation[],
    private readonly fields: readonly FieldDerivation[],
    private readonly sentinelScope: Scope,
  ) {
    const main: Pattern[] = [];
    for (const r of knobs) {
      const label = r.tenant === undefined ? r.knob.path : `tenants[].${r.knob.path}`;
      const s = r.sentinel;
      if (r.knob.derivedOnly) continue;
      if (typeof s === 'string') main.push({ find: s, parts: [{ ...r.expr, ...(r.knob.type === 'string' || r.knob.type === 'quantity' ? { stringy: true } : {}) } as Expr], label });
      else if (typeof s === 'number') {
        this.numbers.set(s, { find: String(s), parts: [r.expr], label, expr: r.expr });
        if (r.knob.embeddable) main.push({ find: String(s), parts: [r.expr], label });
        else if (String(s).length >= 4) this.numberTexts.push(String(s));
      }
    }
    const values = sentinelScope.values;
    const found = text.map((d) => ({ find: d.find(values), parts: d.parts, label: d.label }));
    const hasSentinel = (p: Pattern) => main.some((m) => p.find.includes(m.find));
    const longestFirst = (a: Pattern, b: Pattern) => b.find.length - a.find.length;
    this.pre = found.filter(hasSentinel).sort(longestFirst);
    this.post = found.filter((p) => !hasSentinel(p)).sort(longestFirst);
    this.main = main.sort(longestFirst);
  }

  private count(label: string): void {
    this.used.set(label, (this.used.get(label) ?? 0) + 1);
  }

  private split(parts: readonly Part[], patterns: readonly Pattern[]): Part[] {
    let out = [...parts];
    for (const p of patterns) {
      const next: Part[] = [];
      for (const part of out) {
        if (typeof part !== 'string' || !part.includes(p.find)) {
          next.push(part);
          continue;
        }
        const pieces = part.split(p.find);
        pieces.forEach((piece, i) => {
          if (i > 0) {
            next.push(...p.parts);
            this.count(p.label);
          }
          if (piece) next.push(piece);
        });
      }
      out = next;
    }
    return out;
  }

  /** A string's parts, or an error when a sentinel's trace is left in a literal part. */
  parts(s: string, ctx: Ctx): Part[] {
    const whole = this.numbers.get(Number(s));
    if (whole && String(whole.find) === s) {
      this.count(whole.label);
      return [{ go: `toString (${whole.expr.go})`, ts: (sc) => String(whole.expr.ts(sc)), tenant: whole.expr.tenant, stringy: true }];
    }
    const parts = this.split(this.split(this.split([s], this.pre), this.main), this.post);
    for (const p of parts) {
      if (typeof p !== 'string') continue;
      const trace = p.includes(MARKER) ? MARKER : this.numberTexts.find((n) => p.includes(n));
      if (trace !== undefined) {
        const at = p.indexOf(trace);
        throw new Error(
          `chart: ${ctx.id} ${ctx.path.join('/')}: "${p.slice(Math.max(0, at - 40), at + 60)}" still holds a sentinel's trace ("${trace}"): ` +
            'the constructs derive this text from a value; template the derivation in scripts/chart/derivations.ts',
        );
      }
    }
    return parts;
  }

  private leaf(v: Json, ctx: Ctx): TNode {
    const path = ctx.path.join('/');
    const field = this.fields.find((f) => f.kinds.includes(ctx.kind) && f.paths.includes(path));
    if (field) {
      const expected = field.expr.ts(this.sentinelScope);
      if (!isDeepStrictEqual(expected, v)) throw new Error(`chart: ${ctx.id} ${path}: derivation "${field.label}" expects ${JSON.stringify(expected)}, the constructs gave ${JSON.stringify(v)}`);
      this.count(field.label);
      return { t: 'expr', e: field.expr };
    }
    if (typeof v === 'number' && this.numbers.has(v)) {
      const n = this.numbers.get(v) as Pattern & { expr: Expr };
      this.count(n.label);
      return { t: 'expr', e: n.expr };
    }
    if (typeof v !== 'string') return { t: 'lit', v };
    const parts = this.parts(v, ctx);
    if (parts.every((p) => typeof p === 'string')) return { t: 'lit', v: parts.join('') };
    return { t: 'str', parts };
  }

  private json(v: Json, ctx: Ctx): TNode {
    if (Array.isArray(v)) return { t: 'list', items: v.map((x) => ({ value: this.json(x, { ...ctx, path: [...ctx.path, '[]'] }) })) };
    if (v !== null && typeof v === 'object') {
      return { t: 'map', entries: Object.entries(v).map(([k, x]) => ({ key: this.parts(k, ctx), value: this.json(x, { ...ctx, path: [...ctx.path, k] }) })) };
    }
    return this.leaf(v, ctx);
  }

  node(n: TNode, ctx: Ctx): TNode {
    switch (n.t) {
      case 'lit':
        return this.json(n.v, ctx);
      case 'if':
        return { ...n, then: this.node(n.then, ctx), else: this.node(n.else, ctx) };
      case 'map':
        return {
          t: 'map',
          entries: n.entries.map((e): MapEntry => {
            const k = e.key.length === 1 && typeof e.key[0] === 'string' ? e.key[0] : '';
            return { ...e, key: e.key.flatMap((p) => (typeof p === 'string' ? this.parts(p, ctx) : [p])), value: this.node(e.value, { ...ctx, path: [...ctx.path, k] }) };
          }),
        };
      case 'list':
        return { t: 'list', items: n.items.map((i): ListItem => ({ ...i, value: this.node(i.value, { ...ctx, path: [...ctx.path, '[]'] }) })) };
      default:
        return n;
    }
  }
}

const partsRead = (parts: readonly Part[]) => parts.some((p) => typeof p !== 'string' && p.tenant === true);
const condReads = (c: Cond | undefined) => c?.tenant === true;

/** Whether `n` reads the tenant outside of items already repeated per tenant. */
export function readsTenant(n: TNode): boolean {
  switch (n.t) {
    case 'lit':
      return false;
    case 'expr':
      return n.e.tenant === true;
    case 'str':
      return partsRead(n.parts);
    case 'if':
      return condReads(n.c) || readsTenant(n.then) || readsTenant(n.else);
    case 'map':
      return n.entries.some((e) => condReads(e.when) || partsRead(e.key) || readsTenant(e.value));
    case 'list':
      return n.items.some((i) => !i.perTenant && (condReads(i.when) || readsTenant(i.value)));
  }
}

/** Marks the innermost list items that read the tenant as repeated per tenant. */
export function markTenantItems(n: TNode): TNode {
  switch (n.t) {
    case 'if':
      return { ...n, then: markTenantItems(n.then), else: markTenantItems(n.else) };
    case 'map':
      return { t: 'map', entries: n.entries.map((e) => ({ ...e, value: markTenantItems(e.value) })) };
    case 'list':
      return {
        t: 'list',
        items: n.items.map((i) => {
          const value = markTenantItems(i.value);
          return { ...i, value, ...(condReads(i.when) || readsTenant(value) ? { perTenant: true } : {}) };
        }),
      };
    default:
      return n;
  }
}
