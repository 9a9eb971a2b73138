/**
 * `npm run synth [-- --env dev|staging|prod] [--config file.json] [--out dir]`
 *
 * Synthesizes each environment's manifests (constructs/environments.ts, or one JSON
 * DebugHostPlatformConfig) into `<out>/<env>/platform.yaml` and `<out>/<env>/tenants/<name>.yaml`
 * (default out: dist/synth), after validating every object against its schema. Exits 1 with
 * a message naming the prop or the object when a config is invalid or an object fails its
 * schema; nothing is written for an environment that fails.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { ENVIRONMENTS, ENVIRONMENT_NAMES, type EnvironmentName } from '../constructs/environments.js';
import type { DebugHostPlatformConfig } from '../constructs/platform.js';
import { type Manifest, synthPlatform } from '../constructs/synth.js';
import { TENANT_LABEL } from '../constructs/labels.js';
import { validateManifests } from './synth-schema.js';

export interface SynthResult {
  readonly environment: string;
  readonly objects: number;
  readonly files: readonly string[];
}

/** Groups manifests by file: platform.yaml, tenants/<name>.yaml. */
export function groupByFile(objects: readonly Manifest[]): Map<string, Manifest[]> {
  const files = new Map<string, Manifest[]>();
  for (const o of objects) {
    const ns = o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined);
    const labels = (o.metadata.labels ?? {}) as Record<string, string>;
    const tenant = ns?.startsWith('tenant-') ? labels[TENANT_LABEL] : undefined;
    const file = tenant ? join('tenants', `${tenant}.yaml`) : 'platform.yaml';
    files.set(file, [...(files.get(file) ?? []), o]);
  }
  return files;
}

/** Synthesizes, validates and writes one environment; throws with a clear message on failure. */
export async function synthEnvironment(config: DebugHostPlatformConfig, outDir: string): Promise<SynthResult> {
  const objects = synthPlatform(config);
  const problems = await validateManifests(objects);
  if (problems.length > 0) {
    throw new Error(`${problems.length} object(s) of environment "${config.environment}" fail their schema:\n${problems.map((p) => `  - ${p.object}: ${p.message}`).join('\n')}`);
  }
  const dir = join(outDir, config.environment);
  rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  for (const [file, objs] of groupByFile(objects)) {
    const path = join(dir, file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, objs.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
    written.push(path);
  }
  return { environment: config.environment, objects: objects.length, files: written };
}

function arg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The CLI: returns the exit code (0 ok, 1 invalid config or schema failure). */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const out = arg(argv, '--out') ?? join('dist', 'synth');
  const env = arg(argv, '--env');
  const configFile = arg(argv, '--config');
  let configs: DebugHostPlatformConfig[];
  if (configFile) {
    configs = [JSON.parse(readFileSync(configFile, 'utf8')) as DebugHostPlatformConfig];
  } else if (env) {
    if (!(ENVIRONMENT_NAMES as readonly string[]).includes(env)) {
      console.error(`synth: unknown environment "${env}". Use one of: ${ENVIRONMENT_NAMES.join(', ')}.`);
      return 1;
    }
    configs = [ENVIRONMENTS[env as EnvironmentName]];
  } else {
    configs = ENVIRONMENT_NAMES.map((n) => ENVIRONMENTS[n]);
  }
  for (const config of configs) {
    const started = performance.now();
    try {
      const r = await synthEnvironment(config, out);
      console.log(`synth: ${r.environment}: ${r.objects} objects valid, ${r.files.length} files in ${join(out, r.environment)} (${Math.round(performance.now() - started)} ms)`);
    } catch (e) {
      console.error(`synth: ${config?.environment ?? '<config>'}: ${(e as Error).message}`);
      return 1;
    }
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code), (e: unknown) => { console.error(e); process.exit(1); });
}
