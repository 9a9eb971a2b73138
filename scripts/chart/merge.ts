/**
 * Merges the synthesized variants of the platform into one conditional tree. The base is the
 * synthesis with every toggle in its `base` state; each variant flips one toggle. What a
 * variant lacks becomes conditional on that toggle's base state (`{{- if }}` around an
 * object, a map entry or a list item), what only a variant has is emitted when its toggle is
 * flipped, and a value that differs becomes a choice. Lists are aligned by `name` where their
 * items have one, else by equal items. Combinations of flipped toggles are not synthesized
 * here: the generator checks them afterwards against the constructs.
 */
import { isDeepStrictEqual } from 'node:util';
import { type Cond, type Json, type ListItem, type MapEntry, type TNode, and, lit, not } from './tree.js';

export interface Variant {
  /** True when the variant's toggle is in its base state (so the base applies). */
  readonly cond: Cond;
  readonly value: Json | undefined;
  /** The variant without tenants: per-tenant items are not missing from it, they are repeated zero times. */
  readonly tenantFree?: boolean;
}

export interface MergedObject {
  readonly id: string;
  readonly kind: string;
  /** The object as synthesized (in the base, or the variant it comes from). */
  readonly raw: Json;
  readonly node: TNode;
  readonly when?: Cond;
}

type JsonMap = { [k: string]: Json };
const isMap = (j: Json | undefined): j is JsonMap => j !== null && typeof j === 'object' && !Array.isArray(j);

function or(conds: readonly Cond[]): Cond {
  if (conds.length === 1) return conds[0] as Cond;
  return { go: `or ${conds.map((c) => `(${c.go})`).join(' ')}`, ts: (s) => conds.some((c) => c.ts(s)), tenant: conds.some((c) => c.tenant) };
}
const allOf = (conds: readonly Cond[]): Cond | undefined => conds.reduce<Cond | undefined>((acc, c) => and(acc, c), undefined);

export class Merger {
  /** `isTenantItem(j)`: j belongs to one tenant (it mentions the sentinel tenant). */
  constructor(private readonly isTenantItem: (j: Json) => boolean) {}

  node(base: Json, variants: readonly Variant[]): TNode {
    const differing = variants.filter((v) => !isDeepStrictEqual(v.value, base));
    if (differing.length === 0) return lit(base);
    if (isMap(base) && differing.every((v) => isMap(v.value))) return this.map(base, differing);
    if (Array.isArray(base) && differing.every((v) => Array.isArray(v.value))) return this.list(base, differing);
    let node = lit(base);
    for (const v of [...differing].reverse()) node = { t: 'if', c: v.cond, then: node, else: lit(v.value as Json) };
    return node;
  }

  private map(base: JsonMap, variants: readonly Variant[]): TNode {
    const entries: MapEntry[] = [];
    for (const [key, value] of Object.entries(base)) {
      const has = variants.filter((v) => key in (v.value as JsonMap));
      const lacks = variants.filter((v) => !(key in (v.value as JsonMap)));
      entries.push({
        key: [key],
        value: this.node(value, has.map((v) => ({ ...v, value: (v.value as JsonMap)[key] }))),
        ...(lacks.length ? { when: allOf(lacks.map((v) => v.cond)) } : {}),
      });
    }
    const extra = [...new Set(variants.flatMap((v) => Object.keys(v.value as JsonMap)))].filter((k) => !(k in base));
    for (const key of extra) {
      const has = variants.filter((v) => key in (v.value as JsonMap));
      const value = (has[0]?.value as JsonMap)[key] as Json;
      if (has.some((v) => !isDeepStrictEqual((v.value as JsonMap)[key], value))) {
        throw new Error(`chart: key "${key}" appears with different values in several variants; synthesize that combination or split the toggle`);
      }
      entries.push({ key: [key], value: lit(value), when: or(has.map((v) => not(v.cond))) });
    }
    return { t: 'map', entries };
  }

  private list(base: readonly Json[], variants: readonly Variant[]): TNode {
    interface Slot { readonly present: Variant[]; readonly absent: Variant[] }
    const slots: Slot[] = base.map(() => ({ present: [], absent: [] }));
    const inserted: Array<{ before: number; item: Json; conds: Cond[] }> = [];
    for (const v of variants) {
      const indexes = base.map((_, i) => i).filter((i) => !(v.tenantFree && this.isTenantItem(base[i] as Json)));
      const { pairs, extra } = align(indexes.map((i) => base[i] as Json), v.value as Json[]);
      indexes.forEach((bi, k) => {
        const vi = pairs.get(k);
        if (vi === undefined) (slots[bi] as Slot).absent.push(v);
        else (slots[bi] as Slot).present.push({ ...v, value: (v.value as Json[])[vi] });
      });
      for (const e of extra) {
        const before = e.before < indexes.length ? (indexes[e.before] as number) : base.length;
        const same = inserted.find((x) => x.before === before && isDeepStrictEqual(x.item, e.item));
        if (same) same.conds.push(not(v.cond));
        else inserted.push({ before, item: e.item, conds: [not(v.cond)] });
      }
    }
    const items: ListItem[] = [];
    const insertsBefore = (i: number) => inserted.filter((x) => x.before === i).map((x): ListItem => ({ value: lit(x.item), when: or(x.conds) }));
    base.forEach((b, i) => {
      items.push(...insertsBefore(i));
      const s = slots[i] as Slot;
      items.push({ value: this.node(b, s.present), ...(s.absent.length ? { when: allOf(s.absent.map((v) => v.cond)) } : {}) });
    });
    items.push(...insertsBefore(base.length));
    return { t: 'list', items };
  }

  /** Whole manifests, matched by apiVersion, kind, namespace and name. */
  objects(base: readonly Json[], variants: ReadonlyArray<Omit<Variant, 'value'> & { readonly objects: readonly Json[] }>): MergedObject[] {
    const byId = (objs: readonly Json[]) => new Map(objs.map((o) => [objectId(o), o]));
    const maps = variants.map((v) => ({ ...v, map: byId(v.objects) }));
    const out: MergedObject[] = [];
    for (const [id, obj] of byId(base)) {
      // Only objects named after the tenant repeat per tenant; others (a Database listing tenants) exist or not.
      const relevant = maps.filter((v) => !(v.tenantFree && this.isTenantItem(id)));
      const has = relevant.filter((v) => v.map.has(id));
      const lacks = relevant.filter((v) => !v.map.has(id));
      out.push({ id, kind: kindOf(obj), raw: obj, node: this.node(obj, has.map((v) => ({ ...v, value: v.map.get(id) }))), ...(lacks.length ? { when: allOf(lacks.map((v) => v.cond)) } : {}) });
    }
    const baseIds = new Set(byId(base).keys());
    const extra = new Map<string, { obj: Json; conds: Cond[] }>();
    for (const v of maps) {
      for (const [id, obj] of v.map) {
        if (baseIds.has(id)) continue;
        const e = extra.get(id);
        if (e && !isDeepStrictEqual(e.obj, obj)) throw new Error(`chart: ${id} differs between the variants it appears in; synthesize that combination`);
        if (e) e.conds.push(not(v.cond));
        else extra.set(id, { obj, conds: [not(v.cond)] });
      }
    }
    for (const [id, e] of extra) out.push({ id, kind: kindOf(e.obj), raw: e.obj, node: lit(e.obj), when: or(e.conds) });
    return out;
  }
}

export function objectId(o: Json): string {
  const m = o as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  return `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
}
const kindOf = (o: Json): string => (o as { kind: string }).kind;

const keyOf = (j: Json): string | undefined => (isMap(j) && typeof j.name === 'string' ? j.name : undefined);

/**
 * Pairs base items with variant items: by `name` when every item has a distinct one, else by
 * the longest common run of equal items, the rest of a gap paired in order when both sides of
 * the gap are as long (changed items). Returns base index -> variant index and the variant's
 * unpaired items, each with the base index it goes before.
 */
function align(base: readonly Json[], variant: readonly Json[]): { pairs: Map<number, number>; extra: Array<{ before: number; item: Json }> } {
  const pairs = new Map<number, number>();
  const bk = base.map(keyOf);
  const vk = variant.map(keyOf);
  const distinct = (ks: Array<string | undefined>) => ks.every((k) => k !== undefined) && new Set(ks).size === ks.length;
  if (distinct(bk) && distinct(vk)) {
    vk.forEach((k, vi) => {
      const bi = bk.indexOf(k);
      if (bi >= 0) pairs.set(bi, vi);
    });
  } else {
    const n = base.length;
    const m = variant.length;
    const L = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        (L[i] as number[])[j] = isDeepStrictEqual(base[i], variant[j]) ? ((L[i + 1] as number[])[j + 1] as number) + 1 : Math.max((L[i + 1] as number[])[j] as number, (L[i] as number[])[j + 1] as number);
      }
    }
    const anchors: Array<[number, number]> = [];
    for (let i = 0, j = 0; i < n && j < m; ) {
      if (isDeepStrictEqual(base[i], variant[j])) anchors.push([i++, j++]);
      else if (((L[i + 1] as number[])[j] as number) >= ((L[i] as number[])[j + 1] as number)) i++;
      else j++;
    }
    let [pi, pj] = [0, 0];
    for (const [ai, aj] of [...anchors, [n, m] as [number, number]]) {
      if (ai - pi === aj - pj) for (let k = 0; k < ai - pi; k++) pairs.set(pi + k, pj + k);
      if (ai < n) pairs.set(ai, aj);
      [pi, pj] = [ai + 1, aj + 1];
    }
  }
  const paired = new Set(pairs.values());
  const extra: Array<{ before: number; item: Json }> = [];
  variant.forEach((item, vi) => {
    if (paired.has(vi)) return;
    // before the base item paired with the next paired variant item
    let before = base.length;
    for (let k = vi + 1; k < variant.length; k++) {
      const bi = [...pairs].find(([, v]) => v === k)?.[0];
      if (bi !== undefined) {
        before = bi;
        break;
      }
    }
    extra.push({ before, item });
  });
  return { pairs, extra };
}
