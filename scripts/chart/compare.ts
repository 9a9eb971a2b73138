/**
 * Object-for-object comparison of two manifest streams (the constructs' synth and a chart
 * rendering): both sorted by apiVersion/kind/namespace/name, nothing dropped; the
 * differences are listed readably (objects on one side only, then each differing field).
 * Shared by the generator's self-check and the integration test with the real helm.
 */
import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface Meta {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

export function manifestId(o: unknown): string {
  const m = o as Meta;
  return `${m.apiVersion ?? '?'}/${m.kind ?? '?'}/${m.metadata?.namespace ?? ''}/${m.metadata?.name ?? '?'}`;
}

/** Sorted by id; fails on two objects with one id (a stream must not hold duplicates). */
export function normalize(objects: readonly unknown[]): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const o of [...objects].sort((a, b) => manifestId(a).localeCompare(manifestId(b)))) {
    const id = manifestId(o);
    if (out.has(id)) throw new Error(`${id} appears twice`);
    out.set(id, JSON.parse(JSON.stringify(o)) as Json);
  }
  return out;
}

function fieldDiffs(a: Json | undefined, b: Json | undefined, path: string, out: string[], max: number): void {
  if (out.length >= max || isDeepStrictEqual(a, b)) return;
  const isObj = (j: Json | undefined): j is { [k: string]: Json } => j !== null && typeof j === 'object' && !Array.isArray(j);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])]) fieldDiffs(a[k], b[k], `${path}.${k}`, out, max);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => fieldDiffs(x, b[i], `${path}[${i}]`, out, max));
    return;
  }
  const show = (j: Json | undefined) => (j === undefined ? '(absent)' : JSON.stringify(j).slice(0, 300));
  out.push(`    ${path}: expected ${show(a)}, got ${show(b)}`);
}

/** Empty when equal; else lines describing every difference (up to `max` fields). */
export function diffManifests(expected: readonly unknown[], actual: readonly unknown[], max = 40): string[] {
  const e = normalize(expected);
  const a = normalize(actual);
  const out: string[] = [];
  for (const id of e.keys()) if (!a.has(id)) out.push(`  missing: ${id}`);
  for (const id of a.keys()) if (!e.has(id)) out.push(`  unexpected: ${id}`);
  for (const [id, obj] of e) {
    if (!a.has(id) || isDeepStrictEqual(obj, a.get(id))) continue;
    const fields: string[] = [];
    fieldDiffs(obj, a.get(id), '', fields, max);
    out.push(`  differs: ${id}`, ...fields);
  }
  return out;
}
