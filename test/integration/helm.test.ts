/**
 * The Helm chart generated from the constructs (scripts/chart, `npm run chart`), with the real
 * helm (scripts/helm/build.sh; $HELM or helm on PATH): `helm lint` passes (also --strict);
 * for each environment, `helm template -f values-<env>.yaml` renders exactly the objects of
 * `synthPlatform(ENVIRONMENTS[env])`, and so does every other value set the generator checks
 * itself with; bad values are refused naming the field; and `helm install` into the API
 * server of `scripts/services up kube` succeeds (operator CRDs first), every object lands and
 * the workloads get Pods, and `helm uninstall` leaves the server as it was.
 *
 * Fails (never skips) when helm or the API server is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../constructs/environments.js';
import { synthPlatform } from '../../constructs/synth.js';
import { diffManifests } from '../../scripts/chart/compare.js';
import { generateChart } from '../../scripts/chart/generate.js';
import { APP_VERSION } from '../../scripts/chart/sentinels.js';
import { configFromValues } from '../../scripts/chart/values.js';
import { verificationCases } from '../../scripts/chart/verify.js';
import { Helm, pool, renderedObjects } from './helm/helm.js';
import { Kube, type KubeObject, describe, waitFor } from './kube/client.js';
import { type InstalledCrds, installCrds, removeCrds } from './kube/crds.js';
import { podsCreated } from './kube/workloads.js';

const RELEASE = 'debug-host';
const RELEASE_NAMESPACE = 'default';
const FIELD_MANAGER = 'debug-host-helm-test';

suite('helm: the chart generated from the constructs', () => {
  let helm: Helm;
  let work: string;
  let chart: string;
  const summary: Record<string, unknown>[] = [];
  const valuesFile = (env: string) => join(chart, `values-${env}.yaml`);

  beforeAll(() => {
    helm = Helm.locate();
    work = mkdtempSync(join(tmpdir(), 'debug-host-helm-'));
    const started = Date.now();
    chart = generateChart(work).dir;
    summary.push({ helm: helm.version, generateMs: Date.now() - started });
  }, 120_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    console.log(`helm: ${JSON.stringify(summary)}`);
  });

  it('helm lint passes, also with --strict, on values.yaml and on each environment', async () => {
    for (const args of [[], ['--strict'], ...ENVIRONMENT_NAMES.map((e) => ['--strict', '-f', valuesFile(e)])]) {
      const r = await helm.run(['lint', chart, ...args]);
      expect(r.code, `helm lint ${args.join(' ')}:\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  for (const env of ENVIRONMENT_NAMES) {
    it(`${env}: helm template -f values-${env}.yaml equals synthPlatform(ENVIRONMENTS.${env}), object for object`, async () => {
      const rendered = await helm.template(chart, ['-f', valuesFile(env)]);
      const expected = synthPlatform(ENVIRONMENTS[env]);
      const diff = diffManifests(expected, rendered);
      expect(diff, `helm template differs from the constructs' synth of ${env}:\n${diff.join('\n')}`).toEqual([]);
      expect(rendered).toHaveLength(expected.length);
      summary.push({ env, objects: rendered.length });
    });
  }

  it("every value set of the generator's self-check renders through helm the objects the constructs synthesize (or is refused by both)", async () => {
    const started = Date.now();
    const cases = verificationCases();
    const dir = mkdtempSync(join(work, 'values-'));
    const failures: string[] = [];
    let refused = 0;
    await pool(cases, 2, async (c) => {
      const file = join(dir, `${cases.indexOf(c)}.json`);
      writeFileSync(file, JSON.stringify(c.values)); // JSON is YAML
      let expected: unknown[] | undefined;
      try {
        expected = synthPlatform(c.config ?? configFromValues(c.values, APP_VERSION));
      } catch {
        expected = undefined;
      }
      const r = await helm.run(['template', RELEASE, chart, '-f', file]);
      if (expected === undefined) {
        if (r.code === 0) failures.push(`${c.name}: the constructs refuse these values, helm renders them`);
        else refused++;
        return;
      }
      if (r.code !== 0) {
        if (!c.random) failures.push(`${c.name}: helm refuses values the constructs accept: ${r.stderr.trim()}`);
        return;
      }
      const diff = diffManifests(expected, renderedObjects(r.stdout), 10);
      if (diff.length > 0) failures.push(`${c.name}:\n${diff.join('\n')}`);
    });
    expect(failures, failures.slice(0, 5).join('\n')).toEqual([]);
    summary.push({ valueSets: cases.length, refusedByBoth: refused, ms: Date.now() - started });
  }, 600_000);

  it.each([
    [['--set', 'autoscaling.minReplicas=0'], /at '\/autoscaling\/minReplicas': minimum: got 0, want 1/],
    [['--set', 'image.digest=sha256:abc'], /at '\/image\/digest': .*does not match pattern/],
    [['--set', 'autoscalling.minReplicas=2'], /additional properties 'autoscalling' not allowed/],
    [['--set', 'tenants[0].name=Acme'], /at '\/tenants\/0\/name'/],
    [['--set', 'autoscaling.maxReplicas=2'], /autoscaling\.maxReplicas: 2 is below autoscaling\.minReplicas 3\. Set maxReplicas >= minReplicas\./],
    [['--set', 'image.tag=latest'], /image\.tag: "latest" is not pinned/],
    [['--set', 'namespace=tenant-a'], /namespace: "tenant-a" is reserved for tenants/],
    [['--set', 'postgres.replica.enabled=true,postgres.replica.destinationPath=s3://b/p'], /postgres\.replica\.enabled: a replica cluster needs the primary's object store/],
    [['--set', 'tenants[0].name=ab'], /at '\/tenants\/0\/name': minLength: got 2, want 3/],
    [['--set', 'tenants[0].name=aaa,tenants[1].name=aaa'], /tenants\[\]\.name: "aaa" appears more than once/],
  ])('refuses %j, naming the field', async (args, message) => {
    const r = await helm.run(['template', RELEASE, chart, ...args]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  suite('helm install on the API server', () => {
    let kube: Kube;
    let crds: InstalledCrds | undefined;

    beforeAll(async () => {
      kube = await Kube.connect();
      crds = await installCrds(kube, FIELD_MANAGER);
    }, 180_000);

    afterAll(async () => {
      if (kube && crds) await removeCrds(kube, crds.installed);
    }, 180_000);

    for (const env of ['dev', 'prod'] as const) {
      it(`${env}: helm install succeeds, every object is on the server and the workloads get Pods; helm uninstall removes them`, async () => {
        const started = Date.now();
        const objects = (await helm.template(chart, ['-f', valuesFile(env)])) as KubeObject[];
        const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
        const present = [...(await kube.namespaces())].filter((n) => namespaces.includes(n));
        expect(present, 'namespaces of the chart exist already: another test or release left them; delete them first').toEqual([]);
        const listed = await helm.run(['list', '-n', RELEASE_NAMESPACE, '-q']);
        expect(listed.stdout.split('\n'), `release ${RELEASE} exists already: helm uninstall ${RELEASE} -n ${RELEASE_NAMESPACE}`).not.toContain(RELEASE);

        let installed = false;
        let pods = 0;
        try {
          const install = await helm.run(['install', RELEASE, chart, '-f', valuesFile(env), '-n', RELEASE_NAMESPACE, '--timeout', '3m']);
          expect(install.code, `helm install failed:\n${install.stdout}${install.stderr}`).toBe(0);
          installed = true;
          const status = await helm.run(['status', RELEASE, '-n', RELEASE_NAMESPACE, '-o', 'json']);
          expect((JSON.parse(status.stdout) as { info: { status: string } }).info.status).toBe('deployed');
          const missing: string[] = [];
          for (const o of objects) if ((await kube.get(o)).status !== 200) missing.push(describe(o));
          expect(missing, 'objects of the release not on the server').toEqual([]);
          expect(await podsCreated(kube, objects), 'pods the controllers could not create').toEqual([]);
          for (const ns of namespaces) pods += ((await kube.request('GET', `/api/v1/namespaces/${ns}/pods`)).body as { items: unknown[] }).items.length;
        } finally {
          const cleanup = Date.now();
          if (installed) {
            const r = await helm.run(['uninstall', RELEASE, '-n', RELEASE_NAMESPACE, '--timeout', '3m']);
            expect(r.code, `helm uninstall failed: ${r.stderr}`).toBe(0);
          }
          await waitFor(`the namespaces of ${env} to be deleted`, 180_000, async () => {
            const left = await kube.namespaces();
            return namespaces.every((n) => !left.has(n));
          });
          const clusterScoped = objects.filter((o) => !o.metadata.namespace && o.kind !== 'Namespace');
          for (const o of clusterScoped) expect((await kube.get(o)).status, `${describe(o)} after helm uninstall`).toBe(404);
          expect((await helm.run(['list', '-n', RELEASE_NAMESPACE, '-q'])).stdout.split('\n')).not.toContain(RELEASE);
          summary.push({ install: env, objects: objects.length, pods, installMs: cleanup - started, uninstallMs: Date.now() - cleanup });
        }
      }, 420_000);
    }
  });
});

