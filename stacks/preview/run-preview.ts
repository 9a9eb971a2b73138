/**
 * Runs the real stack program of one environment under Pulumi mocks and checks the result
 * against every policy: what `preview:mock` prints and what the stack tests assert on.
 * Pulumi's runtime state is global to the process: run previews one after another, never
 * concurrently (setMocks replaces the monitor; the tests measured sequential in-process runs to
 * give the same plans as fresh child processes).
 */
import * as pulumi from '@pulumi/pulumi';
import { evaluate } from '../../policies/evaluate.js';
import type { PolicyResource, Violation } from '../../policies/rules/types.js';
import { PROJECT, SECRET_KEYS } from '../config.js';
import { runPlatform } from '../program.js';
import { PlanRecorder, plain, type PlannedResource } from './mocks.js';
import { applyOverrides, PROJECT_ROOT, readStackConfigFile } from './stack-config-file.js';

export interface PreviewOptions {
  /** dev, staging or prod: reads `Pulumi.<stack>.yaml`. */
  readonly stack: string;
  /** Folders of tenant files. @default - [stacks/tenants] */
  readonly tenantsDirs?: readonly string[];
  /** `key.path=value` config overrides (`key.path=` removes). @default [] */
  readonly overrides?: readonly string[];
  /** Folder holding Pulumi.<stack>.yaml. @default - the repository root */
  readonly root?: string;
}

export interface PreviewResult {
  readonly stack: string;
  readonly resources: readonly PlannedResource[];
  readonly violations: readonly Violation[];
  readonly outputs: unknown;
}

/** Placeholders for the secret keys, which the repository never holds in clear. */
export const MOCK_SECRETS: Readonly<Record<(typeof SECRET_KEYS)[number], string>> = {
  postgresPassword: 'mock-postgres-password',
  secretSeed: 'mock-secret-seed-for-previews',
};

export function toPolicyResources(resources: readonly PlannedResource[]): PolicyResource[] {
  return resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, props: r.inputs, urn: r.urn }));
}

async function settle(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return settle(await new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v))));
  }
  if (Array.isArray(value)) return Promise.all(value.map(settle));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await settle(v)])));
  }
  return value;
}

export async function previewStack(options: PreviewOptions): Promise<PreviewResult> {
  const file = await readStackConfigFile(options.stack, options.root ?? PROJECT_ROOT);
  const withSecrets: Record<string, string> = { ...file.values };
  for (const key of SECRET_KEYS) withSecrets[`${PROJECT}:${key}`] ??= MOCK_SECRETS[key];
  const values = applyOverrides(withSecrets, PROJECT, options.overrides ?? []);
  pulumi.runtime.setAllConfig(values, [...SECRET_KEYS.map((k) => `${PROJECT}:${k}`), ...file.secureKeys]);

  const recorder = new PlanRecorder();
  await recorder.install(PROJECT, options.stack);
  const outputs = await runPlatform(options.tenantsDirs === undefined ? {} : { tenantsDirs: options.tenantsDirs });
  const settled = await settle(outputs);
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  const violations = evaluate(toPolicyResources(recorder.resources), { environment: outputs.environment });
  return { stack: options.stack, resources: recorder.resources, violations, outputs: plain(redactOutputs(settled, outputs)) };
}

/** The kubeconfig output is secret: never print it. */
function redactOutputs(settled: unknown, raw: unknown): unknown {
  const s = settled as Record<string, unknown>;
  const r = raw as { kubeconfig?: unknown };
  return { ...s, kubeconfig: r.kubeconfig === undefined ? undefined : '[secret]' };
}
