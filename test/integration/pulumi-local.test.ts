/**
 * Real `pulumi up` of the `local` stack (Pulumi.local.yaml) onto the loopback API server of
 * `scripts/kube/up.sh --all`, with the CLI, language host and Kubernetes provider built by
 * scripts/pulumi/build.sh, a file backend of its own and no network:
 * up, no changes on a second look, a tenant added (only its resources created) and removed
 * (only its resources deleted), and the real CrossGuard pack blocking a violating change.
 * Everything is destroyed at the end, so the shared API server is left as it was found.
 * Missing binaries or API server fail the suite with the command that fixes it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = process.env['DEBUG_HOST_CACHE_DIR'] ?? path.join(homedir(), '.cache', 'debug-host');
/** Built at the version of @pulumi/pulumi (scripts/pulumi/version.sh). */
const PULUMI_VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies['@pulumi/pulumi'];
const BIN = path.join(CACHE, `pulumi-v${PULUMI_VERSION}`, 'bin');
const BINARIES = ['pulumi', 'pulumi-language-nodejs', 'pulumi-resource-kubernetes'];
const KUBECONFIG = process.env['KUBECONFIG'] ?? path.join(process.env['DEBUG_HOST_SERVICES_DIR'] ?? path.join(CACHE, 'services'), 'kube', 'kubeconfig');
const API_PORT = 56443;
const STACK = 'local';
const MINUTES = 60_000;
/**
 * The test's own file backend, apart from `npm run up:local`'s. Every run destroys its stack at
 * the start and at the end, so a run always starts from an empty cluster, even after one that
 * was interrupted before its cleanup.
 */
const TEST_STATE = path.join(CACHE, 'pulumi-test-state');

interface Run { readonly code: number; readonly stdout: string; readonly stderr: string }
interface PreviewStep { readonly op: string; readonly urn: string }

let work = '';
let env: NodeJS.ProcessEnv = {};

function pulumi(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 8 * MINUTES): Promise<Run> {
  return new Promise((resolve) => {
    execFile(path.join(BIN, 'pulumi'), [...args, '--stack', STACK, '--non-interactive'], { cwd: ROOT, env: { ...env, ...extraEnv }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Fails the test with pulumi's own output when it did not exit as expected. */
function expectExit(run: Run, code: number, what: string): void {
  if ((code === 0) !== (run.code === 0)) {
    throw new Error(`${what}: pulumi exited ${run.code}, expected ${code === 0 ? 0 : 'non-zero'}\n--- stdout\n${run.stdout.slice(-6000)}\n--- stderr\n${run.stderr.slice(-4000)}`);
  }
}

function apiServerListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port: API_PORT }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
    s.setTimeout(2000, () => { s.destroy(); resolve(false); });
  });
}

/**
 * Whether the platform namespace already exists (e.g. left by `npm run up:local`): a fresh
 * state would then fight that deployment's server-side-apply field managers.
 */
async function platformNamespaceExists(): Promise<boolean> {
  const kc = parse(await readFile(KUBECONFIG, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority'?: string } }[];
    users: { user: { token?: string } }[];
  };
  const cluster = kc.clusters[0]?.cluster;
  const token = kc.users[0]?.user.token;
  if (cluster === undefined || token === undefined) return false;
  const ca = cluster['certificate-authority'] === undefined ? undefined : await readFile(cluster['certificate-authority'], 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.server}/api/v1/namespaces/debug-host`, { headers: { Authorization: `Bearer ${token}` }, ...(ca === undefined ? {} : { ca }) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The steps of `pulumi preview --json` that change something. */
async function changes(extraEnv: NodeJS.ProcessEnv = {}): Promise<PreviewStep[]> {
  const run = await pulumi(['preview', '--json'], extraEnv);
  expectExit(run, 0, 'pulumi preview --json');
  const plan = JSON.parse(run.stdout) as { steps?: PreviewStep[] };
  return (plan.steps ?? []).filter((s) => s.op !== 'same');
}

/** Whether a URN is one of a tenant's resources: under a TenantStack, named after the tenant. */
function ownedBy(urn: string, tenant: string): boolean {
  const name = urn.split('::').pop() ?? '';
  return urn.includes('debug-host:platform:TenantStack') && name.includes(`tenant-${tenant}`);
}

describe('pulumi up --stack local (real CLI, file backend, loopback API server)', () => {
  beforeAll(async () => {
    const missing = BINARIES.filter((b) => !existsSync(path.join(BIN, b)));
    if (missing.length > 0) {
      throw new Error(`Pulumi binaries missing in ${BIN}: ${missing.join(', ')}. Run scripts/pulumi/build.sh (cold: tens of minutes; cached by version).`);
    }
    if (!existsSync(KUBECONFIG) || !(await apiServerListening())) {
      throw new Error(`No local API server (kubeconfig ${KUBECONFIG}, https://127.0.0.1:${API_PORT}). Run \`eval "$(scripts/services up)"\` (or \`eval "$(scripts/kube/up.sh --all)"\`) first.`);
    }
    work = await mkdtemp(path.join(tmpdir(), 'pulumi-local-'));
    await mkdir(path.join(work, 'tenants'));
    await mkdir(TEST_STATE, { recursive: true });
    env = {
      ...process.env,
      PATH: `${BIN}${path.delimiter}${process.env['PATH'] ?? ''}`,
      KUBECONFIG,
      PULUMI_HOME: path.join(work, 'home'),
      PULUMI_BACKEND_URL: `file://${TEST_STATE}`,
      PULUMI_CONFIG_PASSPHRASE: 'debug-host-local',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    };
    delete env['DEBUG_HOST_EXTRA_TENANTS_DIRS'];
    const select = await new Promise<Run>((resolve) =>
      execFile(path.join(BIN, 'pulumi'), ['stack', 'select', '--create', STACK, '--non-interactive'], { cwd: ROOT, env }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : 1, stdout, stderr })),
    );
    expectExit(select, 0, 'pulumi stack select --create local');
    // Empty unless a previous run was interrupted before its own destroy: start from nothing.
    expectExit(await pulumi(['destroy', '--yes', '--skip-preview']), 0, 'pulumi destroy of a previous run');
    if (await platformNamespaceExists()) {
      throw new Error('The local API server already holds the platform (namespace debug-host), e.g. from `npm run up:local`; remove it with `scripts/pulumi/up-local.sh --destroy` first.');
    }
  }, 5 * MINUTES);

  afterAll(async () => {
    if (work === '') return;
    try {
      // Leave the shared API server as it was: remove everything this run created.
      const destroyed = await pulumi(['destroy', '--yes', '--skip-preview']);
      if (destroyed.code !== 0) console.error(`pulumi destroy failed:\n${destroyed.stdout.slice(-4000)}\n${destroyed.stderr.slice(-2000)}`);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 10 * MINUTES);

  it('`pulumi up` creates the platform and the dev tenants', async () => {
    const run = await pulumi(['up', '--yes', '--skip-preview']);
    expectExit(run, 0, 'pulumi up');
    expect(run.stdout).toMatch(/Resources:\s*\n\s*\+ \d+ created/);
    const outputs = await pulumi(['stack', 'output', '--json']);
    expectExit(outputs, 0, 'pulumi stack output');
    const out = JSON.parse(outputs.stdout) as { environment: string; tenantEndpoints: Record<string, { mcp: string }> };
    expect(out.environment).toBe('dev');
    expect(out.tenantEndpoints['acme']?.mcp).toBe('https://acme.local.debug-host.test/mcp');
  }, 10 * MINUTES);

  it('a second look shows no changes', async () => {
    const run = await pulumi(['preview', '--expect-no-changes']);
    expectExit(run, 0, 'pulumi preview --expect-no-changes');
    expect(run.stdout).toMatch(/\d+ unchanged/);
    expect(run.stdout).not.toMatch(/to create|to update|to delete|to replace/);
  }, 5 * MINUTES);

  it('adding a tenant file creates only that tenant\'s resources; removing it deletes only them', async () => {
    const definition = pathToImport(path.join(ROOT, 'stacks', 'tenant-definition.ts'));
    await writeFile(path.join(work, 'tenants', 'initech.ts'), `import { defineTenant } from ${JSON.stringify(definition)};\nexport default defineTenant({ name: 'initech', owners: ['it@initech.example.com'], environments: ['dev'], quotas: { containers: 5, memory: '2Gi', cpu: 1 } });\n`);
    const withTenant = { DEBUG_HOST_EXTRA_TENANTS_DIRS: path.join(work, 'tenants') };

    const added = await changes(withTenant);
    expect(added.length).toBeGreaterThan(5);
    expect(added.filter((s) => s.op !== 'create').map((s) => `${s.op} ${s.urn}`)).toEqual([]);
    expect(added.filter((s) => !ownedBy(s.urn, 'initech')).map((s) => s.urn)).toEqual([]);
    const kinds = added.map((s) => s.urn.split('::')[2]?.split('$').pop() ?? '');
    expect(kinds).toEqual(expect.arrayContaining(['kubernetes:core/v1:Namespace', 'kubernetes:core/v1:ResourceQuota', 'kubernetes:networking.k8s.io/v1:NetworkPolicy']));

    const up = await pulumi(['up', '--yes', '--skip-preview'], withTenant);
    expectExit(up, 0, 'pulumi up with tenant initech');
    expect(up.stdout).toMatch(new RegExp(`\\+ ${added.length} created`));

    const removed = await changes();
    expect(removed.map((s) => s.op)).toEqual(added.map(() => 'delete'));
    expect(removed.map((s) => s.urn).sort()).toEqual(added.map((s) => s.urn).sort());
    const down = await pulumi(['up', '--yes', '--skip-preview']);
    expectExit(down, 0, 'pulumi up without tenant initech');
    expect(down.stdout).toMatch(new RegExp(`- ${added.length} deleted`));
  }, 15 * MINUTES);

  it('`pulumi preview --policy-pack policies` passes the local stack and blocks a violating change', async () => {
    const policyConfig = ['--policy-pack', path.join(ROOT, 'policies'), '--policy-pack-config', path.join(ROOT, 'scripts', 'pulumi', 'policy-config.local.json')];
    const ok = await pulumi(['preview', ...policyConfig]);
    expectExit(ok, 0, 'policy preview of the local stack');
    expect(`${ok.stdout}${ok.stderr}`).not.toMatch(/mandatory/);

    // Promoting the stack to staging without a backup destination breaks backups-scheduled
    // (mandatory in staging) but passes the config schema: the pack must stop it.
    const config = parse(await readFile(path.join(ROOT, `Pulumi.${STACK}.yaml`), 'utf8')) as { config: Record<string, unknown> };
    config.config['debug-host-platform:environment'] = 'staging';
    const file = path.join(work, 'Pulumi.staging-like.yaml');
    await writeFile(file, stringify(config));
    const blocked = await pulumi(['preview', '--config-file', file, ...policyConfig]);
    expectExit(blocked, 1, 'policy preview of a violating change');
    expect(`${blocked.stdout}${blocked.stderr}`).toMatch(/backups-scheduled/);
    expect(`${blocked.stdout}${blocked.stderr}`).toMatch(/mandatory/);
  }, 10 * MINUTES);
});

/** A file URL for an `import` from outside the repository. */
function pathToImport(p: string): string {
  return new URL(`file://${p}`).href;
}
