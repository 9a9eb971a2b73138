/**
 * The default rebalancing policy with the kubernetes driver, against the real API server
 * with kwok: two replicas (real processes, one PostgreSQL) run projects as Pods; a third
 * joins, and once the ring has settled the Pods the new ring gives it are handed over and
 * adopted: the same Pod (same uid) keeps running, now watched and answered for by the new
 * owner. Nothing is restarted to move it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashRing } from '../../runtime/src/cluster/hash-ring.js';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { SECRET, createDatabase, eventually } from '../runtime/harness.js';
import { adminKubeConfig, apply, deleteNamespaces, runtimeOwnRbac, serviceAccountKubeconfig, suffix, tenantObjects } from '../runtime/kube-cluster.js';
import { callTool, health, startReplica, stopReplica, type Replica } from './cluster-harness.js';

const SETTLE_MS = 3000;
const TWO = new HashRing(['k1', 'k2']);
const THREE = new HashRing(['k1', 'k2', 'k3']);
const id = suffix();
const tenant = `krb-${id}`;
const namespace = `tenant-${tenant}`;
const runtimeIdentity = { namespace: `dh-krb-${id}`, serviceAccount: 'debug-host' };

describe('rebalancing Pods to a replica that joins (real API server, kwok)', () => {
  const replicas: Replica[] = [];
  const ids: string[] = [];
  let admin: KubeConfig;
  let core: CoreV1Api;
  let database: { databaseUrl: string; dbRolePrefix: string };
  let env: Record<string, string>;
  let token: string;
  const status = (projectId: string) => callTool(replicas[0]!, token, 'host.status', { projectId });
  const podUid = async (projectId: string) => (await core.readNamespacedPod({ namespace, name: `p-${projectId}` })).metadata?.uid;

  beforeAll(async () => {
    if (!process.env.DATABASE_URL || !process.env.KUBECONFIG) throw new Error('DATABASE_URL and KUBECONFIG are not set: run `eval "$(scripts/services up)"` before `npm run test:integration`.');
    admin = await adminKubeConfig();
    core = admin.makeApiClient(CoreV1Api);
    await apply(admin, runtimeOwnRbac(runtimeIdentity));
    await apply(admin, tenantObjects(tenant, runtimeIdentity, { containers: 40 }));
    await eventually(async () => (await core.readNamespacedResourceQuota({ namespace, name: 'tenant-quota' })).status?.hard, 30_000, 'quota status');
    env = {
      DEBUG_HOST_DRIVER: 'kubernetes',
      KUBECONFIG: await serviceAccountKubeconfig(admin, runtimeIdentity),
      DEBUG_HOST_CLUSTER_DISCOVERY: 'store',
      DEBUG_HOST_KUBE_IMAGE: 'registry.example/projects/web:1.0.0',
      DEBUG_HOST_REBALANCE_SETTLE_MS: String(SETTLE_MS),
    };
    database = await createDatabase(`krb${id}`);
    replicas.push(await startReplica('k1', database, 0, env), await startReplica('k2', database, 0, env));
    const tokens = new TokenService({ secret: SECRET });
    const platform = await tokens.mint({ tenant: 'default', role: 'platform-admin', ttl: '1h' });
    expect((await callTool(replicas[0]!, platform, 'tenant.create', { tenantId: tenant })).isError).toBe(false);
    token = await tokens.mint({ tenant, role: 'developer', ttl: '1h' });
    await eventually(async () => ((await health(replicas[0]!)).members.length === 2 ? true : undefined), 20_000, 'two members');
    const workspace = await mkdtemp(join(tmpdir(), 'kube-rebalance-'));
    const moving = () => ids.filter((p) => THREE.ownerOf(p) === 'k3');
    for (let i = 0; ids.length < 6 || moving().length < 2; i += 1) {
      const registered = await callTool(replicas[i % 2]!, token, 'host.register', { name: `w${i}`, workspace, command: 'node server.js' });
      ids.push(registered.data.projectId);
    }
    const starts = await Promise.all(ids.map((projectId, i) => callTool(replicas[i % 2]!, token, 'host.start', { projectId })));
    expect(starts.filter((s) => s.isError).map((s) => s.text)).toEqual([]);
  });

  afterAll(async () => {
    for (const replica of replicas) await stopReplica(replica, 'SIGKILL').catch(() => undefined);
    if (admin) await deleteNamespaces(admin, [namespace, runtimeIdentity.namespace]);
  });

  it('hands the Pods the new ring gives to the new replica over without restarting them', async () => {
    const before = await eventually(async () => {
      const all = await Promise.all(ids.map(async (projectId) => (await status(projectId)).data.project));
      return all.every((p) => p.state === 'running' && p.ready) ? all : undefined;
    }, 60_000, 'every Pod running and ready');
    expect(before.map((p) => p.owner)).toEqual(ids.map((p) => TWO.ownerOf(p)));
    const uids = await Promise.all(ids.map(podUid));

    replicas.push(await startReplica('k3', database, 0, env));
    const expected = ids.filter((p) => THREE.ownerOf(p) === 'k3');
    const after = await eventually(async () => {
      const all = await Promise.all(ids.map(async (projectId) => (await status(projectId)).data.project));
      const onK3 = all.filter((p) => p.owner === 'k3');
      return onK3.length === expected.length && all.every((p) => p.state === 'running' && p.ready && p.live) ? all : undefined;
    }, 60_000, `k3 owning the ${expected.length} Pods the ring gives it, all running`);

    expect(after.map((p) => p.owner)).toEqual(ids.map((p) => THREE.ownerOf(p)));
    expect(await Promise.all(ids.map(podUid))).toEqual(uids); // the same Pods: adopted, not recreated
    expect((await health(replicas[2]!)).owned).toBe(expected.length);
    const logs = await callTool(replicas[2]!, token, 'host.searchLogs', { projectId: expected[0]!, query: '"rebalanced after the ring changed"' });
    expect(logs.data.total).toBe(1);
  });
});
