/**
 * `npm run policies:check -- [--environment <env>] [--json] <file|dir>...`
 *
 * Runs every rule over Kubernetes manifests on disk (e.g. `npm run synth` output in
 * dist/synth/<env>/): YAML (multi-document) or JSON, folders read recursively. Prints the
 * violations; exit 1 on a mandatory one, 2 on bad usage or unreadable input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { checkManifests, type Manifest } from './check-manifests.js';
import type { Violation } from './rules/types.js';

async function files(target: string): Promise<string[]> {
  if (!(await stat(target)).isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => files(path.join(target, e.name))));
  return nested.flat().filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
}

/** Every object of a YAML or JSON file (a JSON array or a List is flattened). */
export async function readManifests(file: string): Promise<Manifest[]> {
  const text = await readFile(file, 'utf8');
  const docs: unknown[] = file.endsWith('.json') ? [JSON.parse(text)] : parseAllDocuments(text).map((d) => d.toJS());
  return docs.flatMap((d) => (Array.isArray(d) ? d : d && typeof d === 'object' && (d as Manifest)['kind'] === 'List' ? ((d as Manifest)['items'] as unknown[]) : [d])).filter((d): d is Manifest => typeof d === 'object' && d !== null);
}

function format(v: Violation): string {
  return `[${v.level}] ${v.policy} (${v.resource})\n    ${v.message}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { environment: { type: 'string' }, json: { type: 'boolean', default: false } }, allowPositionals: true });
  if (positionals.length === 0) {
    process.stderr.write('usage: npm run policies:check -- [--environment <env>] [--json] <file|dir>...\n');
    return 2;
  }
  const manifests: Manifest[] = [];
  for (const target of positionals) for (const f of await files(target)) manifests.push(...(await readManifests(f)));
  const violations = checkManifests(manifests, values.environment === undefined ? {} : { environment: values.environment });
  const out = values.json
    ? JSON.stringify({ objects: manifests.length, violations })
    : `${manifests.length} objects, ${violations.length === 0 ? 'no violations' : `${violations.length} violation(s)`}\n${violations.map(format).join('\n')}`;
  await new Promise<void>((resolve) => process.stdout.write(`${out}\n`, () => resolve()));
  return violations.some((v) => v.level === 'mandatory') ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
