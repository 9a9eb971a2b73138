/** Runs the stack program under mocks (in this process) and queries the recorded plan. */
import { previewStack, type PreviewOptions, type PreviewResult } from '../../stacks/preview/run-preview.js';
import type { PlannedResource } from '../../stacks/preview/mocks.js';

export type { PlannedResource, PreviewResult };

/**
 * One preview at a time: Pulumi's runtime state is process-global, so concurrent previews in
 * one process would mix their resources. Vitest runs each test file in its own fork.
 */
let queue: Promise<unknown> = Promise.resolve();
export function preview(options: PreviewOptions): Promise<PreviewResult> {
  const run = queue.then(() => previewStack(options));
  queue = run.catch(() => undefined);
  return run;
}

export function custom(result: PreviewResult): PlannedResource[] {
  return result.resources.filter((r) => r.custom);
}

export function ofType(result: PreviewResult, type: string): PlannedResource[] {
  return custom(result).filter((r) => r.type === type);
}

export function one(result: PreviewResult, type: string, name: string): PlannedResource {
  const found = custom(result).filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0] as PlannedResource;
}

/** A value at a dotted path of a resource's inputs. */
export function at(r: PlannedResource, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v === undefined || v === null ? undefined : (v as Record<string, unknown>)[k]), r.inputs);
}

/** `type::name` of every custom resource (what "the resource set" means in the tests). */
export function resourceKeys(result: PreviewResult): Set<string> {
  return new Set(custom(result).map((r) => `${r.type}::${r.name}`));
}

export const EXTRA_TENANTS_DIR = new URL('./fixtures/extra-tenants/', import.meta.url).pathname;
