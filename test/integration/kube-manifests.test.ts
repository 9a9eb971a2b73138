/**
 * Every manifest of every environment (constructs/environments.ts, what `npm run synth`
 * writes: the platform and its tenants) is accepted by a real kube-apiserver: server-side
 * apply with strict field validation, after the operator CRDs, through real admission
 * (NamespaceLifecycle, LimitRanger, ServiceAccount, ResourceQuota, PodSecurity). Then the
 * workloads' Pods must be created by the controllers (the pod templates pass Pod Security
 * and the quota), and every namespace is deleted again so later tests see a clean server.
 *
 * Needs `scripts/services up kube` (KUBECONFIG). When objects of an environment already exist
 * under another field manager (a `local` Pulumi stack on the same server, say), that
 * environment is applied with dryRun=All instead, so nobody else's objects are changed; the
 * test says which mode it used.
 */
import { afterAll, beforeAll, describe as suite, expect, it } from 'vitest';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../constructs/environments.js';
import { synthPlatform } from '../../constructs/synth.js';
import { Kube, type KubeObject, describe, reason } from './kube/client.js';
import { type InstalledCrds, installCrds, removeCrds } from './kube/crds.js';
import { podsCreated } from './kube/workloads.js';

const FIELD_MANAGER = 'debug-host-kube-manifests-test';

/** Apply order: what others refer to first (as kubectl and Helm install). */
const ORDER = ['Namespace', 'StorageClass', 'ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ResourceQuota', 'LimitRange', 'ConfigMap', 'Secret', 'Service'];
const rank = (o: KubeObject) => (ORDER.includes(o.kind) ? ORDER.indexOf(o.kind) : ORDER.length);

function managedByUs(body: unknown): boolean {
  const fields = (body as { metadata?: { managedFields?: Array<{ manager?: string }> } }).metadata?.managedFields ?? [];
  return fields.some((f) => f.manager === FIELD_MANAGER);
}

/** Objects of this environment that exist and were not applied by this test. */
async function foreignObjects(kube: Kube, objects: readonly KubeObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    const r = await kube.get(o);
    if (r.status === 200 && !managedByUs(r.body)) out.push(describe(o));
  }
  return out;
}


async function podCount(kube: Kube, namespaces: readonly string[]): Promise<number> {
  let n = 0;
  for (const ns of namespaces) n += ((await kube.request('GET', `/api/v1/namespaces/${ns}/pods`)).body as { items: unknown[] }).items.length;
  return n;
}

suite('kube: every manifest of every environment is accepted by the real API server', () => {
  let kube: Kube;
  let crds: InstalledCrds | undefined;
  const summary: Record<string, unknown>[] = [];

  beforeAll(async () => {
    kube = await Kube.connect();
    const started = Date.now();
    crds = await installCrds(kube, FIELD_MANAGER);
    summary.push({ crds: crds.installed.length + crds.existing.length, installed: crds.installed.length, ms: Date.now() - started });
  }, 180_000);

  afterAll(async () => {
    if (kube && crds) await removeCrds(kube, crds.installed);
    console.log(`kube-manifests: ${JSON.stringify(summary)}`);
  }, 180_000);

  it('would notice: unknown fields, a CRD schema violation and a Pod against restricted Pod Security are rejected', async () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-manifests-control', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    expect((await kube.apply(ns, FIELD_MANAGER)).status).toBe(201);
    try {
      const typo = await kube.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: ns.metadata.name }, dat: { a: 'b' } }, FIELD_MANAGER);
      expect(reason(typo)).toMatch(/\.dat: field not declared in schema/);
      // A custom resource is checked against its CRD's schema, unknown fields included. One
      // violation per object: with both, the API server reports either or both, by timing.
      const topic = (spec: Record<string, unknown>) => ({ apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: { name: 't', namespace: ns.metadata.name }, spec });
      expect(reason(await kube.apply(topic({ partitions: 'three' }), FIELD_MANAGER))).toMatch(/\.spec\.partitions: expected numeric|spec\.partitions: Invalid value/);
      expect(reason(await kube.apply(topic({ partitions: 3, replica: 1 }), FIELD_MANAGER))).toMatch(/\.spec\.replica: field not declared in schema/);
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns.metadata.name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
      expect(reason(await kube.apply(pod, FIELD_MANAGER))).toMatch(/^403 .*violates PodSecurity "restricted/);
    } finally {
      await kube.deleteNamespaces([ns.metadata.name]);
    }
  });

  for (const env of ENVIRONMENT_NAMES) {
    it(`${env}: every object applies (server-side, strict) and its workloads get Pods`, async () => {
      const started = Date.now();
      const objects = (synthPlatform(ENVIRONMENTS[env]) as KubeObject[]).slice().sort((a, b) => rank(a) - rank(b));
      const foreign = await foreignObjects(kube, objects);
      const dryRun = foreign.length > 0;
      if (dryRun) console.warn(`kube-manifests ${env}: ${foreign.length} objects exist under another field manager (${foreign.slice(0, 3).join(', ')}...): dryRun=All`);

      const before = await kube.namespaces();
      const namespaces = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const created = namespaces.filter((n) => !before.has(n));
      const clusterScoped: KubeObject[] = [];
      const rejected: string[] = [];
      const warnings: string[] = [];
      let pods = 0;
      try {
        for (const o of objects) {
          // A dry run into a namespace that does not exist yet fails admission, so those are real.
          const real = !dryRun || (o.kind === 'Namespace' && created.includes(o.metadata.name));
          const r = await kube.apply(o, FIELD_MANAGER, !real);
          if (r.status !== 200 && r.status !== 201) rejected.push(`${describe(o)}: ${reason(r)}`);
          else if (real && !o.metadata.namespace && o.kind !== 'Namespace') clusterScoped.push(o);
          warnings.push(...r.warnings.map((w) => `${describe(o)}: ${w}`));
        }
        expect(rejected, `objects the API server rejected in ${env}`).toEqual([]);
        const failedPods = dryRun ? [] : await podsCreated(kube, objects, 60_000);
        expect(failedPods, `pods the controllers could not create in ${env}`).toEqual([]);
        if (!dryRun) pods = await podCount(kube, namespaces);
      } finally {
        const cleanup = Date.now();
        for (const o of clusterScoped) await kube.remove(o);
        // Real mode: every namespace is this test's (none was foreign); dry run: only those it made.
        await kube.deleteNamespaces(dryRun ? created : namespaces);
        summary.push({ env, objects: objects.length, mode: dryRun ? 'dryRun=All' : 'real', rejected: rejected.length, pods, warnings: warnings.length, applyMs: cleanup - started, cleanupMs: Date.now() - cleanup });
        if (warnings.length > 0) console.log(`kube-manifests ${env} warnings:\n  ${warnings.join('\n  ')}`);
      }
    }, 300_000);
  }
});
