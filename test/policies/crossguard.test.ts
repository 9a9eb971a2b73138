import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResourceValidationArgs, StackValidationArgs } from '@pulumi/policy';
import { describe, expect, it } from 'vitest';
import { toResourcePolicy, toStackPolicy } from '../../policies/crossguard.js';
import { resourceRules, stackRules } from '../../policies/rules/index.js';
import { noLatestImageTag } from '../../policies/rules/container-images.js';
import { prodRedundancy } from '../../policies/rules/environment-rules.js';
import { container, deployment, k8sResource } from './fixtures.js';

const POLICIES_DIR = fileURLToPath(new URL('../../policies/', import.meta.url));

/** ResourceValidationArgs as the policy server builds them (only what the adapters read). */
function resourceArgs(type: string, name: string, props: Record<string, unknown>): ResourceValidationArgs {
  return { type, name, props, urn: `urn:pulumi:prod::p::${type}::${name}`, opts: {}, stackTags: new Map(), getConfig: () => ({}) } as unknown as ResourceValidationArgs;
}

function stackArgs(resources: { type: string; name: string; props: Record<string, unknown> }[], config: Record<string, unknown>): StackValidationArgs {
  return {
    resources: resources.map((r) => ({ ...r, urn: `urn:pulumi:prod::p::${r.type}::${r.name}`, dependencies: [], propertyDependencies: {}, opts: {} })),
    stackTags: new Map(),
    getConfig: () => config,
  } as unknown as StackValidationArgs;
}

describe('CrossGuard adapters', () => {
  it('a resource policy reports the rule\'s exact message at the rule\'s level', () => {
    const policy = toResourcePolicy(noLatestImageTag);
    const bad = deployment({ containers: [container({ image: 'nginx' })] });
    const reported: string[] = [];
    void policy.validateResource(resourceArgs(bad.type, bad.name, { ...bad.props }), (m) => reported.push(m));
    expect(reported).toEqual(['Deployment tenant-acme/web: container "app" uses image "nginx" without a pinned tag; pin a version tag or digest instead of latest.']);
    expect(policy.enforcementLevel).toBe('mandatory');
    const good = deployment();
    const quiet: string[] = [];
    void policy.validateResource(resourceArgs(good.type, good.name, { ...good.props }), (m) => quiet.push(m));
    expect(quiet).toEqual([]);
  });

  it('a stack policy takes the environment from policy config and points at the offending URN', () => {
    const policy = toStackPolicy(prodRedundancy);
    const pg = k8sResource({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg', namespace: 'debug-host' }, spec: { instances: 1 } });
    const reported: [string, string | undefined][] = [];
    void policy.validateStack(stackArgs([{ type: pg.type, name: pg.name, props: { ...pg.props } }], { environment: 'prod' }), (m, urn) => reported.push([m, urn]));
    expect(reported).toEqual([['Cluster debug-host/pg: prod runs 1 Postgres instance(s); set spec.instances to at least 3.', `urn:pulumi:prod::p::${pg.type}::${pg.name}`]]);
    const staging: string[] = [];
    void policy.validateStack(stackArgs([{ type: pg.type, name: pg.name, props: { ...pg.props } }], { environment: 'staging' }), (m) => staging.push(m));
    expect(staging).toEqual([]);
  });

  it('every rule becomes exactly one policy with a unique name', () => {
    const names = [...resourceRules, ...stackRules].map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(13);
  });

  it('the pack loads the way `pulumi preview --policy-pack policies` runs it and serves on a port', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../node_modules/@pulumi/pulumi/cmd/run-policy-pack', import.meta.url)), '127.0.0.1:1', '.'], { cwd: POLICIES_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        // The runner prints the port followed by a newline once the server listens.
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', (code) => reject(new Error(`policy pack exited ${String(code)}: ${stderr}`)));
      });
      expect(port).toMatch(/^\d+$/);
    } finally {
      child.kill();
    }
  }, 90_000);
});
