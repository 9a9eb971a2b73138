/**
 * The same rules over plain Kubernetes manifests (cdk8s synth output, `kubectl` YAML), for
 * users of the constructs who deploy without Pulumi.
 */
import { evaluate, type EvaluateOptions } from './evaluate.js';
import type { PolicyResource, StackContext, Violation } from './rules/types.js';

export type Manifest = Readonly<Record<string, unknown>>;

/** `kubernetes:<group|core>/<version>:<Kind>`, the type token Pulumi gives the same object. */
export function manifestType(manifest: Manifest): string {
  const apiVersion = String(manifest['apiVersion'] ?? '');
  const groupVersion = apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`;
  return `kubernetes:${groupVersion}:${String(manifest['kind'] ?? '')}`;
}

/** A manifest as a PolicyResource named `<namespace>/<name>` (or `<name>` when cluster-scoped). */
export function manifestToResource(manifest: Manifest): PolicyResource {
  const metadata = (manifest['metadata'] ?? {}) as Readonly<Record<string, unknown>>;
  const name = String(metadata['name'] ?? '');
  const ns = metadata['namespace'];
  return { type: manifestType(manifest), name: typeof ns === 'string' ? `${ns}/${name}` : name, props: manifest };
}

/**
 * Checks manifests against every rule. Throws if an object has no apiVersion or kind, since
 * a rule could otherwise silently skip it.
 */
export function checkManifests(manifests: readonly Manifest[], context: StackContext = {}, options: EvaluateOptions = {}): Violation[] {
  manifests.forEach((m, i) => {
    if (typeof m['apiVersion'] !== 'string' || typeof m['kind'] !== 'string') {
      throw new Error(`checkManifests: manifest #${i} has no apiVersion or kind; pass Kubernetes objects such as cdk8s's chart.toJson() output.`);
    }
  });
  return evaluate(manifests.map(manifestToResource), context, options);
}
