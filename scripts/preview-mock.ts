/**
 * `npm run preview:mock -- --stack <dev|staging|prod> [--json] [--tenants-dir <dir>]... [--set key.path=value]...`
 *
 * Prints the resource plan of an environment under Pulumi mocks (no cloud account, no Pulumi
 * CLI) with the policy results. `--json` prints one JSON object { resources, violations }.
 * Exit codes: 0 ok (advisory violations allowed), 1 a mandatory violation, 2 bad config or usage.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TENANTS_DIR } from '../stacks/tenant-loader.js';
import { groupByOwner, ownerOf } from '../stacks/preview/owners.js';
import { previewStack, type PreviewResult } from '../stacks/preview/run-preview.js';

/** Exits once `text` is flushed: a piped stdout is asynchronous, and exit() would cut it off. */
function finish(stream: NodeJS.WriteStream, text: string, code: number): void {
  stream.write(text, () => process.exit(code));
}

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: npm run preview:mock -- --stack <dev|staging|prod> [--json] [--tenants-dir <dir>]... [--set key.path=value]...\n`);
  process.exit(2);
}

/** The plan per owner (cloud, platform, each tenant), then per type: a tenant's change reads on its own. */
function formatText(result: PreviewResult): string {
  const custom = result.resources.filter((r) => r.custom);
  const out: string[] = [`Stack ${result.stack}: ${custom.length} resources (${result.resources.length - custom.length} components)`];
  for (const [owner, resources] of groupByOwner(result.resources)) {
    out.push('', `${owner} (${resources.length})`);
    const byType = new Map<string, string[]>();
    for (const r of resources) byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
    for (const [type, names] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
      out.push(`  ${type} (${names.length})`);
      for (const n of names.sort()) out.push(`    + ${n}`);
    }
  }
  out.push('', `Policies: ${result.violations.length === 0 ? 'all passed' : `${result.violations.length} violation(s)`}`);
  for (const v of result.violations) out.push(`  [${v.level}] ${v.policy} (${v.resource})`, `    ${v.message}`);
  out.push('', 'Outputs:', JSON.stringify(result.outputs, null, 2));
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({
      options: {
        stack: { type: 'string' },
        json: { type: 'boolean', default: false },
        'tenants-dir': { type: 'string', multiple: true },
        set: { type: 'string', multiple: true },
      },
      strict: true,
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (args.stack === undefined) usage('--stack is required');
  const dirs = args['tenants-dir'];
  let result: PreviewResult;
  try {
    result = await previewStack({
      stack: args.stack,
      // Extra folders add to stacks/tenants unless they are given alone with --tenants-dir only.
      tenantsDirs: dirs === undefined ? [DEFAULT_TENANTS_DIR] : dirs,
      overrides: args.set ?? [],
    });
  } catch (err) {
    finish(process.stderr, `${err instanceof Error ? err.message : String(err)}\n`, 2);
    return;
  }
  const code = result.violations.some((v) => v.level === 'mandatory') ? 1 : 0;
  if (args.json) {
    const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
    const resources = result.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, owner: ownerOf(r, byUrn), inputs: r.inputs, parent: r.parent, dependencies: r.dependencies }));
    finish(process.stdout, `${JSON.stringify({ stack: result.stack, resources, violations: result.violations, outputs: result.outputs })}\n`, code);
  } else {
    finish(process.stdout, formatText(result), code);
  }
}

await main();
