/**
 * Reads `Pulumi.<env>.yaml` the way the Pulumi CLI hands config to a program: a flat map of
 * `project:key` -> string (objects as JSON). Secure (encrypted) values cannot be read without
 * the CLI; the mock preview substitutes placeholders for them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root (where Pulumi.yaml lives). */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StackConfigFile {
  /** `project:key` -> value as the CLI passes it (strings; objects JSON-encoded). */
  readonly values: Record<string, string>;
  /** Keys whose value is `secure:` in the file. */
  readonly secureKeys: readonly string[];
}

function isSecure(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'secure' in value;
}

export async function readStackConfigFile(stack: string, root: string = PROJECT_ROOT): Promise<StackConfigFile> {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const doc = (parse(await readFile(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> };
  const values: Record<string, string> = {};
  const secureKeys: string[] = [];
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (isSecure(value)) {
      secureKeys.push(key);
      continue;
    }
    values[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return { values, secureKeys };
}

/**
 * Applies `key.path=value` overrides (value parsed as JSON when it parses, else a string) to
 * the config of `project`; `key.path=` with nothing after `=` removes the path.
 */
export function applyOverrides(values: Record<string, string>, project: string, overrides: readonly string[]): Record<string, string> {
  const out = { ...values };
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq < 1) throw new Error(`--set ${o}: expected key.path=value`);
    const [key, ...rest] = o.slice(0, eq).split('.');
    const text = o.slice(eq + 1);
    const full = `${project}:${key}`;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    if (rest.length === 0) {
      if (text === '') delete out[full];
      else out[full] = typeof value === 'string' ? value : JSON.stringify(value);
      continue;
    }
    const current = out[full];
    const obj = (current === undefined ? {} : JSON.parse(current)) as Record<string, unknown>;
    let cursor = obj;
    for (const part of rest.slice(0, -1)) {
      const next = cursor[part];
      cursor = (typeof next === 'object' && next !== null ? next : (cursor[part] = {})) as Record<string, unknown>;
    }
    const last = rest[rest.length - 1] as string;
    if (text === '') delete cursor[last];
    else cursor[last] = value;
    out[full] = JSON.stringify(obj);
  }
  return out;
}
