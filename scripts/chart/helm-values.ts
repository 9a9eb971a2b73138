/**
 * How Helm combines values files: maps merge key by key, anything else (lists included) is
 * replaced. `overrides` is the inverse: the smallest file that, over the defaults, gives the
 * values (what values-<env>.yaml holds).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Json } from './tree.js';

type JsonMap = { [k: string]: Json };
const isMap = (j: unknown): j is JsonMap => j !== null && typeof j === 'object' && !Array.isArray(j);

export function helmMerge<T>(defaults: T, over: unknown): T {
  if (!isMap(defaults) || !isMap(over)) return structuredClone((over === undefined ? defaults : over) as T);
  const out: JsonMap = structuredClone(defaults);
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? helmMerge(out[k] as Json, v) : structuredClone(v);
  return out as T;
}

export function overrides(values: unknown, defaults: unknown): JsonMap {
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(values as JsonMap)) {
    const d = (defaults as JsonMap)[k];
    if (isDeepStrictEqual(v, d)) continue;
    if (isMap(v) && isMap(d)) {
      const sub = overrides(v, d);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else out[k] = structuredClone(v);
  }
  return out;
}
