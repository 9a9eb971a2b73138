/**
 * `npm run preview:mock` as a user runs it: a child process per environment (so each run has a
 * fresh Pulumi runtime), JSON parsed from stdout, exit codes checked.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { custom, preview } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function previewMock(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '-s', 'preview:mock', '--', ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Plan {
  readonly resources: { type: string; name: string; inputs: Record<string, unknown> }[];
  readonly violations: { policy: string; level: string; resource: string; message: string }[];
}

describe('npm run preview:mock', () => {
  it('prints one JSON object with resources and violations for prod, identical to an in-process run, and exits 0', async () => {
    const t0 = performance.now();
    const run = await previewMock('--stack', 'prod', '--json');
    console.log(`preview:mock --stack prod --json took ${Math.round(performance.now() - t0)} ms (child process)`);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as Plan;
    // The child process (fresh runtime) and a run in this process agree resource by resource.
    const inProcess = custom(await preview({ stack: 'prod' })).map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));
    expect(plan.resources.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))).toEqual(inProcess);
    expect(plan.resources[0]).toEqual(expect.objectContaining({ type: expect.any(String), name: expect.any(String), inputs: expect.any(Object) }));
    expect(plan.resources.filter((r) => r.type === 'kubernetes:core/v1:Namespace').map((r) => r.name).sort()).toEqual(['debug-host', 'tenant-acme', 'tenant-globex']);
    expect(plan.violations.every((v) => v.level === 'advisory')).toBe(true);
    expect(plan.violations[0]).toEqual(expect.objectContaining({ policy: expect.any(String), level: 'advisory', resource: expect.any(String), message: expect.any(String) }));
  }, 180_000);

  it('exits 1 on a mandatory violation and names it', async () => {
    const run = await previewMock('--stack', 'prod', '--json', '--set', 'platform.minReplicas=2');
    expect(run.code).toBe(1);
    const plan = JSON.parse(run.stdout) as Plan;
    expect(plan.violations.filter((v) => v.level === 'mandatory')).toEqual([
      {
        policy: 'prod-redundancy',
        level: 'mandatory',
        resource: 'kubernetes:apps/v1:Deployment::debug-host/debug-host',
        message: "Deployment debug-host/debug-host: prod guarantees 2 runtime replica(s); set replicas (or the HPA's minReplicas) to at least 3.",
      },
    ]);
  }, 180_000);

  it('exits 2 with the config error, naming the key and the fix, and shows a tenant added from another folder', async () => {
    const bad = await previewMock('--stack', 'dev', '--set', 'cluster.mode=bogus');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("Invalid stack config:\n  - debug-host-platform:cluster.mode: Invalid discriminator value. Expected 'eks' | 'existing'; run `pulumi config set --path 'cluster.mode' <value>` or edit Pulumi.<stack>.yaml.\n");
    const text = await previewMock('--stack', 'dev', '--tenants-dir', 'stacks/tenants', '--tenants-dir', 'test/stacks/fixtures/extra-tenants');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\ntenant:initech \(\d+\)\n/);
    expect(text.stdout).toContain('+ tenant-initech/tenant-quota');
    expect(text.stdout).toContain('Policies: all passed');
  }, 240_000);
});
