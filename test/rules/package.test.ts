/**
 * @debug-host/rules is a workspace package like the constructs: source for the tests and
 * tsc (the `@debug-host/source` condition), dist/ for consumers, and no dependencies at all,
 * so that the runtime (no cdk8s) and the constructs (no runtime) can both depend on it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const manifest = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as Record<string, any>;

describe('@debug-host/rules', () => {
  const rules = manifest('rules');

  it('depends on nothing and is laid out like @debug-host/constructs', () => {
    for (const field of ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies']) expect(rules[field], field).toBeUndefined();
    const constructs = manifest('constructs');
    for (const field of ['version', 'type', 'license', 'engines', 'sideEffects', 'exports', 'files', 'scripts']) expect(rules[field], field).toEqual(constructs[field]);
    expect(rules.exports['.']['@debug-host/source']).toBe('./index.ts');
  });

  it('is a pinned dependency of the runtime, the constructs and the stacks (the root), and the first workspace', () => {
    for (const dir of ['runtime', 'constructs', '.']) expect(manifest(dir).dependencies[rules.name], dir).toBe(rules.version);
    expect(manifest('.').workspaces[0]).toBe('rules');
  });
});
