/**
 * The real helm binary for the integration tests: from $HELM, else `helm` on PATH (built by
 * scripts/helm/build.sh); a missing one is an error that says how to get it, never a skip.
 */
import { execFile, spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

const HINT = 'build it with scripts/helm/build.sh and `export HELM="$(scripts/helm/build.sh | tail -n 1)/helm"`';

export interface HelmRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class Helm {
  private constructor(
    readonly path: string,
    readonly version: string,
  ) {}

  /** $HELM or `helm`; throws with the fix when it is missing or does not run. */
  static locate(): Helm {
    const path = process.env.HELM || 'helm';
    const r = spawnSync(path, ['version', '--short'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(`no helm binary at ${JSON.stringify(path)} (${r.error?.message ?? r.stderr.trim()}): ${HINT}`);
    }
    return new Helm(path, r.stdout.trim());
  }

  run(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<HelmRun> {
    return new Promise((resolve) => {
      execFile(this.path, args, { env, maxBuffer: 64 << 20, timeout: 300_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** `helm template` to objects; throws with helm's message when it fails. */
  async template(chart: string, args: readonly string[]): Promise<unknown[]> {
    const r = await this.run(['template', 'debug-host', chart, ...args]);
    if (r.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${r.stderr.trim()}`);
    return renderedObjects(r.stdout);
  }
}

/** The objects of a rendered stream (empty documents dropped). */
export function renderedObjects(stream: string): unknown[] {
  return parseAllDocuments(stream)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${d.errors[0]?.message}`);
      return d.toJSON() as unknown;
    })
    .filter((o) => o !== null && o !== undefined);
}

/** Runs `fn` over `items`, `width` at a time, in order of the items. */
export async function pool<T, R>(items: readonly T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}
