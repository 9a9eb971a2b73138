/**
 * The kubernetes driver end to end through MCP, against a real API server with kwok
 * (scripts/services up): start -> Pod Running and Ready -> status running, logs from the log
 * API, stop -> Pod and Service gone, a second start refused by the tenant's ResourceQuota
 * through real admission, and another tenant's token refused. The runtime talks to the API
 * server as a ServiceAccount holding exactly the RBAC contract. Then, at the driver level: a
 * failed Pod restarted by the supervisor, adoption of a live Pod, an earlier run's leftover replaced.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesDriver } from '../../runtime/src/drivers/kubernetes/kubernetes-driver.js';
import type { LaunchSpec, RunHandle } from '../../runtime/src/drivers/driver.js';
import { podSettingsFrom } from '../../runtime/src/kube-parts.js';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { pino } from 'pino';
import { eventually, startRuntime, type Harness, type TestClient } from '../runtime/harness.js';
import {
  adminKubeConfig,
  appendKwokLine,
  apply,
  deleteNamespaces,
  runtimeOwnRbac,
  serviceAccountKubeconfig,
  suffix,
  tenantObjects,
} from '../runtime/kube-cluster.js';

const id = suffix();
const tenantA = `kda-${id}`;
const tenantB = `kdb-${id}`;
const runtimeIdentity = { namespace: `dh-kd-${id}`, serviceAccount: 'debug-host' };
const nsA = `tenant-${tenantA}`;

describe('kubernetes driver through MCP (real API server, kwok)', () => {
  let admin: KubeConfig;
  let core: CoreV1Api;
  let harness: Harness;
  let a: TestClient;
  let b: TestClient;
  let workspace: string;
  let projectId: string;
  let kubeconfig: string;
  const podName = () => `p-${projectId}`;
  const readPod = (name: string): Promise<V1Pod | undefined> => core.readNamespacedPod({ namespace: nsA, name }).catch(() => undefined);

  beforeAll(async () => {
    admin = await adminKubeConfig();
    core = admin.makeApiClient(CoreV1Api);
    await apply(admin, runtimeOwnRbac(runtimeIdentity));
    await apply(admin, tenantObjects(tenantA, runtimeIdentity, { containers: 1 }));
    await apply(admin, tenantObjects(tenantB, runtimeIdentity));
    // The tenant ServiceAccount and the quota's status come from the controller manager.
    await eventually(async () => (await core.readNamespacedResourceQuota({ namespace: nsA, name: 'tenant-quota' })).status?.hard, 30_000, 'quota status');
    kubeconfig = await serviceAccountKubeconfig(admin, runtimeIdentity);
    harness = await startRuntime({ driver: 'kubernetes', kubeconfig, kubeImage: 'registry.example/projects/web:1.0.0', stopGraceMs: 1000 });
    await harness.runtime.store.createTenant({ id: tenantA }, SYSTEM_ACTOR);
    await harness.runtime.store.createTenant({ id: tenantB }, SYSTEM_ACTOR);
    a = await harness.client(tenantA, 'developer');
    b = await harness.client(tenantB, 'developer');
    workspace = await mkdtemp(join(tmpdir(), 'kube-project-'));
  });

  afterAll(async () => {
    await harness?.close();
    if (admin) await deleteNamespaces(admin, [nsA, `tenant-${tenantB}`, runtimeIdentity.namespace]);
  });

  it('starts a project as a Pod and Service in the tenant namespace; status turns running when the Pod is Ready', async () => {
    projectId = (await a.ok('host.register', { name: 'web', workspace, command: 'node server.js', env: { GREETING: 'hi' } })).projectId;
    const started = Date.now();
    const start = await a.ok('host.start', { projectId });
    expect(start.project.state).toBe('starting');
    const status = await eventually(async () => {
      const s = (await a.ok('host.status', { projectId })).project;
      return s.state === 'running' && s.ready ? s : undefined;
    }, 30_000, 'status running');
    console.log(`[kube] host.start -> running (Pod Ready under kwok): ${Date.now() - started} ms`);
    expect(status.port).toBeGreaterThan(0);

    const pod = await readPod(podName());
    expect(pod?.status?.phase).toBe('Running');
    expect(pod?.spec?.serviceAccountName).toBe('tenant');
    expect(pod?.spec?.automountServiceAccountToken).toBe(false);
    expect(pod?.metadata?.labels).toMatchObject({ 'debug-host.io/tenant': tenantA, 'debug-host.io/project': projectId });
    const container = pod?.spec?.containers[0];
    expect(container?.command).toEqual(['/bin/sh', '-c', 'node server.js']);
    expect(container?.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(status.port) }, { name: 'GREETING', value: 'hi' }]));
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    const service = await core.readNamespacedService({ namespace: nsA, name: podName() });
    expect(service.spec?.ports?.[0]?.port).toBe(status.port);
    expect(service.spec?.selector).toEqual({ 'debug-host.io/project': projectId });
    expect((await a.ok('host.checkPort', { projectId })).inUse).toBe(true); // the Pod is Ready: the kubelet's probe connects
    const health = await (await fetch(harness.url.replace(/\/mcp$/, '/health'))).json();
    expect(health.driver).toBe('kubernetes');
  });

  it('returns the Pod log from the log API (kwok log simulation), followed live', async () => {
    await eventually(async () => {
      const logs = await a.ok('host.logs', { projectId });
      return logs.lines?.some((l: { message: string }) => l.message.includes('simulated by kwok'));
    }, 20_000, 'kwok log lines');
    const marker = `live line ${id} ${Date.now()}`;
    await appendKwokLine(marker);
    await eventually(async () => {
      const logs = await a.ok('host.logs', { projectId, search: marker });
      return logs.lines?.some((l: { message: string; stream: string }) => l.message === marker && l.stream === 'stdout');
    }, 20_000, 'the appended line');
  });

  it('refuses a second start with the quota error of the ResourceQuota (real admission)', async () => {
    const second = (await a.ok('host.register', { name: 'web-2', workspace, command: 'node server.js' })).projectId;
    const refused = await a.call('host.start', { projectId: second });
    expect(refused.isError).toBe(true);
    expect(refused.data.error).toMatchObject({ code: 'quota_exceeded', quota: 'tenant-quota', namespace: nsA });
    expect(refused.data.error.message).toMatch(/ResourceQuota 'tenant-quota'.*requested pods=1, used pods=1, limited pods=1/);
    expect(refused.data.error.fix).toMatch(/host\.stop/);
    expect((await a.ok('host.status', { projectId: second })).project.state).toBe('stopped');
    expect(await readPod(`p-${second}`)).toBeUndefined();
  });

  it("refuses another tenant's token: tenant B can neither see nor stop tenant A's project", async () => {
    for (const tool of ['host.status', 'host.stop', 'host.logs']) {
      const result = await b.call(tool, { projectId });
      expect(result.data.error?.code, tool).toBe('not_found');
    }
    expect((await b.ok('host.list')).projects ?? []).toHaveLength(0);
    expect((await readPod(podName()))?.status?.phase).toBe('Running');
  });

  it('stops: the Pod and its Service are deleted and gone', async () => {
    const started = Date.now();
    const stopped = await a.ok('host.stop', { projectId });
    console.log(`[kube] host.stop -> Pod gone: ${Date.now() - started} ms`);
    expect(stopped.project.state).toBe('stopped');
    expect(await readPod(podName())).toBeUndefined();
    await expect(core.readNamespacedService({ namespace: nsA, name: podName() })).rejects.toMatchObject({ code: 404 });
  });

  it('restarts a Pod that failed, with the exit code from its container status, through the supervisor', async () => {
    const crashy = (await a.ok('host.register', { name: 'crashy', workspace, command: 'node crash.js', maxRestarts: 2 })).projectId;
    await a.ok('host.start', { projectId: crashy });
    const first = await eventually(async () => readPod(`p-${crashy}`).then((p) => (p?.status?.phase === 'Running' ? p : undefined)), 20_000, 'Running');
    // What the kubelet would report when the container exits with 3 (kwok completes only Job Pods).
    await core.replaceNamespacedPodStatus({
      namespace: nsA,
      name: `p-${crashy}`,
      body: {
        ...first,
        status: {
          ...first.status,
          phase: 'Failed',
          conditions: first.status?.conditions?.map((c) => (c.type === 'Ready' ? { ...c, status: 'False' } : c)),
          containerStatuses: first.status?.containerStatuses?.map((c) => ({ ...c, ready: false, state: { terminated: { exitCode: 3, reason: 'Error' } } })),
        },
      },
    });
    await eventually(async () => {
      const s = (await a.ok('host.status', { projectId: crashy })).project;
      return s.restarts === 1 && s.state === 'running' ? s : undefined;
    }, 30_000, 'restarted and running');
    const again = await readPod(`p-${crashy}`);
    expect(again?.metadata?.uid).not.toBe(first.metadata?.uid);
    const logs = await a.ok('host.searchLogs', { projectId: crashy, query: '"exit code 3"' });
    expect(logs.total).toBeGreaterThanOrEqual(1);
    await a.ok('host.stop', { projectId: crashy });
  });

  it('a restarted runtime adopts the running Pod instead of creating another (Pods outlive their replica)', async () => {
    const kept = (await b.ok('host.register', { name: 'kept', workspace, command: 'node server.js' })).projectId;
    await b.ok('host.start', { projectId: kept });
    await eventually(async () => (await b.ok('host.status', { projectId: kept })).project.ready, 20_000, 'ready');
    const before = await core.readNamespacedPod({ namespace: `tenant-${tenantB}`, name: `p-${kept}` });

    await harness.close({ keepData: true });
    const still = await core.readNamespacedPod({ namespace: `tenant-${tenantB}`, name: `p-${kept}` });
    expect(still.metadata?.uid).toBe(before.metadata?.uid); // shutdown let go of it, did not delete it

    const restarted = Date.now();
    harness = await startRuntime({ driver: 'kubernetes', kubeconfig, kubeImage: 'registry.example/projects/web:1.0.0', stopGraceMs: 1000 }, harness.dataDir);
    a = await harness.client(tenantA, 'developer');
    b = await harness.client(tenantB, 'developer');
    await eventually(async () => (await b.ok('host.status', { projectId: kept })).project.ready, 20_000, 'ready again');
    console.log(`[kube] runtime restart -> adopted Pod ready: ${Date.now() - restarted} ms`);
    const after = await core.readNamespacedPod({ namespace: `tenant-${tenantB}`, name: `p-${kept}` });
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    const adopted = await b.ok('host.searchLogs', { projectId: kept, query: '"adopted pod"' });
    expect(adopted.total).toBe(1);
    await b.ok('host.stop', { projectId: kept });
    expect((await b.ok('host.status', { projectId: kept })).project.state).toBe('stopped');
  });

  describe('driver level: adoption and leftovers', () => {
    const nsB = () => `tenant-${tenantB}`;
    const driver = () => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      return new KubernetesDriver({ kubeConfig: kc, settings: podSettingsFrom(harness.runtime.config), logger: pino({ level: 'silent' }) });
    };
    const launchSpec = (runId: string): LaunchSpec => ({
      tenantId: tenantB,
      projectId: `0000${id}-0000-4000-8000-000000000001`,
      runId,
      command: 'sleep infinity',
      workspace,
      cwd: workspace,
      env: {},
      port: 31500,
      readiness: { kind: 'port' },
    });
    const pod = (name: string) => core.readNamespacedPod({ namespace: nsB(), name }).catch(() => undefined);

    it("adopts the live Pod of the same run (a replica restarted) and replaces an earlier run's leftover", async () => {
      const first = driver();
      const second = driver();
      try {
        const lines: string[] = [];
        const h1: RunHandle = await first.launch(launchSpec('run-1'), () => undefined);
        expect(await h1.ready).toBe(true);
        const name = `p-${launchSpec('run-1').projectId}`;
        const uid = (await pod(name))?.metadata?.uid;

        const h2 = await second.launch(launchSpec('run-1'), (_stream, line) => lines.push(line));
        expect(await h2.ready).toBe(true);
        expect((await pod(name))?.metadata?.uid).toBe(uid);
        expect(lines.some((l) => l.startsWith('adopted pod'))).toBe(true);

        const h3 = await second.launch(launchSpec('run-2'), () => undefined);
        expect(await h3.ready).toBe(true);
        const replaced = await pod(name);
        expect(replaced?.metadata?.uid).not.toBe(uid);
        expect(replaced?.metadata?.labels?.['debug-host.io/run']).toBe('run-2');
        expect((await h1.exited).signal).toBe('SIGKILL'); // its Pod was deleted under it

        await second.reapOrphan({ tenantId: tenantB, projectId: launchSpec('run-2').projectId });
        expect(await pod(name)).toBeUndefined();
        await expect(core.readNamespacedService({ namespace: nsB(), name })).rejects.toMatchObject({ code: 404 });
        expect(second.watcher.watchCount).toBe(0); // no Pod runs there any more: its watch is closed
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
});
