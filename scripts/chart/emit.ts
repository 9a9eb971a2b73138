/**
 * Writes the template tree as YAML with Go template actions. Scalars that vary are emitted
 * as `{{ toJson ... }}` (JSON is YAML, so any string, number or bool lands with its type);
 * conditional entries and items as `{{- if }}` lines, per-tenant items inside
 * `{{- range $t := $.Values.tenants }}`; the `{{-` at the start of a line eats the line
 * break before it, so the rendered YAML keeps its indentation.
 */
import type { ChartObject, Cond, Json, ListItem, MapEntry, Part, TNode } from './tree.js';

const pad = (n: number) => ' '.repeat(n);
/** A JSON string is a Go string literal too. */
const goStr = (s: string) => JSON.stringify(s);
// Helm reads the rendered YAML as YAML 1.1, where these plain words are booleans or null.
const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
/** Plain (unquoted) only where no YAML version reads anything but this string. */
const PLAIN = /^[A-Za-z_\/][A-Za-z0-9._\/-]*$/;

function scalar(v: Json): string {
  if (typeof v !== 'string') return JSON.stringify(v);
  if (v.includes('{{') || v.includes('}}')) return `{{ toJson ${goStr(v)} }}`;
  return PLAIN.test(v) && !RESERVED.test(v) ? v : JSON.stringify(v);
}

function partsExpr(parts: readonly Part[]): string {
  const only = parts[0];
  if (parts.length === 1 && only !== undefined && typeof only !== 'string' && only.stringy) return only.go;
  const format = parts.map((p) => (typeof p === 'string' ? p.replace(/%/g, '%%') : '%v')).join('');
  const args = parts.filter((p): p is Exclude<Part, string> => typeof p !== 'string').map((p) => `(${p.go})`);
  return `printf ${goStr(format)} ${args.join(' ')}`;
}

function key(parts: readonly Part[]): string {
  const only = parts[0];
  if (parts.length === 1 && typeof only === 'string') return scalar(only);
  return `{{ toJson (${partsExpr(parts)}) }}`;
}

/** The one-line form of a scalar node, or undefined for maps, lists and choices between them. */
function inline(n: TNode): string | undefined {
  switch (n.t) {
    case 'lit':
      if (Array.isArray(n.v)) return n.v.length === 0 ? '[]' : undefined;
      if (n.v !== null && typeof n.v === 'object') return Object.keys(n.v).length === 0 ? '{}' : undefined;
      return scalar(n.v);
    case 'expr':
      return `{{ toJson (${n.e.go}) }}`;
    case 'str':
      return `{{ toJson (${partsExpr(n.parts)}) }}`;
    case 'if': {
      const [a, b] = [inline(n.then), inline(n.else)];
      return a !== undefined && b !== undefined ? `{{ if ${n.c.go} }}${a}{{ else }}${b}{{ end }}` : undefined;
    }
    case 'map':
      return n.entries.length === 0 ? '{}' : undefined;
    case 'list':
      return n.items.length === 0 ? '[]' : undefined;
  }
}

/** Consecutive entries or items under the same condition share one `{{- if }}`. */
function grouped<T extends { readonly when?: Cond; readonly perTenant?: boolean }>(xs: readonly T[], indent: number, lines: (x: T) => string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    const x = xs[i] as T;
    let j = i + 1;
    while (j < xs.length && (xs[j] as T).when?.go === x.when?.go && (xs[j] as T).perTenant === x.perTenant && (x.when || x.perTenant)) j++;
    out.push(...wrap(xs.slice(i, j).flatMap(lines), indent, x.when, x.perTenant));
    i = j;
  }
  return out;
}

function wrap(lines: string[], indent: number, when: Cond | undefined, perTenant = false): string[] {
  let out = lines;
  if (when) out = [`${pad(indent)}{{- if ${when.go} }}`, ...out, `${pad(indent)}{{- end }}`];
  if (perTenant) out = [`${pad(indent)}{{- range $t := $.Values.tenants }}`, ...out, `${pad(indent)}{{- end }}`];
  return out;
}

function entry(k: string, value: TNode, indent: number): string[] {
  const one = inline(value);
  if (one !== undefined) return [`${pad(indent)}${k}: ${one}`];
  if (value.t === 'if') {
    return [`${pad(indent)}{{- if ${value.c.go} }}`, ...entry(k, value.then, indent), `${pad(indent)}{{- else }}`, ...entry(k, value.else, indent), `${pad(indent)}{{- end }}`];
  }
  return [`${pad(indent)}${k}:`, ...block(value, indent + 2)];
}

function item(value: TNode, indent: number): string[] {
  const one = inline(value);
  if (one !== undefined) return [`${pad(indent)}- ${one}`];
  if (value.t === 'if') {
    return [`${pad(indent)}{{- if ${value.c.go} }}`, ...item(value.then, indent), `${pad(indent)}{{- else }}`, ...item(value.else, indent), `${pad(indent)}{{- end }}`];
  }
  const lines = block(value, indent + 2);
  const first = lines[0] ?? '';
  if (first.trimStart().startsWith('{{-')) return [`${pad(indent)}-`, ...lines];
  return [`${pad(indent)}- ${first.slice(indent + 2)}`, ...lines.slice(1)];
}

/** The lines of a map or list at `indent`. */
export function block(n: TNode, indent: number): string[] {
  if (n.t === 'map') return grouped(n.entries, indent, (e: MapEntry) => entry(key(e.key), e.value, indent));
  if (n.t === 'list') return grouped(n.items, indent, (i: ListItem) => item(i.value, indent));
  if (n.t === 'lit' && n.v !== null && typeof n.v === 'object') throw new Error('chart: emit: literal container left unexpanded');
  throw new Error(`chart: emit: a ${n.t} node cannot be a document`);
}

/** One template file: the object, inside its condition and (per tenant) its range. */
export function templateFile(o: ChartObject): string {
  const doc = ['---', ...block(o.node, 0)];
  return `${wrap(doc, 0, o.when, o.perTenant).join('\n')}\n`;
}
