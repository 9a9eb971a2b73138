/**
 * Leader election on a coordination.k8s.io Lease and membership from EndpointSlices,
 * against a real API server (scripts/services up), as a ServiceAccount holding only the
 * runtime's own-namespace rights (leases: get, create, update; endpointslices: get, list,
 * watch). The Lease gating the PostgreSQL advisory lock is checked on the real PostgreSQL.
 */
import { CoordinationV1Api, DiscoveryV1Api, CoreV1Api, KubeConfig, type V1EndpointSlice } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointSliceSource } from '../../runtime/src/cluster/endpoint-slice-source.js';
import { AdvisoryLockLeadership, GatedLeadership, type Leadership } from '../../runtime/src/cluster/leadership.js';
import { LeaseLeadership } from '../../runtime/src/cluster/lease-leadership.js';
import { Membership } from '../../runtime/src/cluster/membership.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import { createDatabase, eventually, startRuntime } from '../runtime/harness.js';
import { adminKubeConfig, apply, deleteNamespaces, runtimeOwnRbac, serviceAccountKubeconfig, suffix } from '../runtime/kube-cluster.js';

const id = suffix();
const runtime = { namespace: `dh-lease-${id}`, serviceAccount: 'debug-host' };
const logger = pino({ level: process.env.DEBUG_HOST_TEST_LOG ?? 'silent' });
const LEASE_SECONDS = 2;

describe('Lease leadership and EndpointSlice membership (real API server)', () => {
  let admin: KubeConfig;
  let asRuntime: KubeConfig;
  let kubeconfig: string;
  const started: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    admin = await adminKubeConfig();
    await apply(admin, runtimeOwnRbac(runtime));
    asRuntime = new KubeConfig();
    kubeconfig = await serviceAccountKubeconfig(admin, runtime);
    asRuntime.loadFromFile(kubeconfig);
  });

  afterAll(async () => {
    for (const part of started.reverse()) await part.stop().catch(() => undefined);
    if (admin) await deleteNamespaces(admin, [runtime.namespace]);
  });

  const lease = (identity: string, name = 'leader'): LeaseLeadership => {
    const leadership = new LeaseLeadership({ kubeConfig: asRuntime, namespace: runtime.namespace, name, identity, leaseDurationSeconds: LEASE_SECONDS, logger });
    started.push(leadership);
    return leadership;
  };

  /** Samples leadership for `ms`: never two leaders at once. */
  async function neverTwo(all: readonly Leadership[], ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      expect(all.filter((l) => l.isLeader).length).toBeLessThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('elects exactly one leader; a released Lease is taken over within the lease duration', async () => {
    const r1 = lease('replica-1');
    const r2 = lease('replica-2');
    await Promise.all([r1.start(), r2.start()]);
    await eventually(async () => [r1, r2].filter((l) => l.isLeader).length === 1, 10_000, 'one leader');
    await neverTwo([r1, r2], 3 * LEASE_SECONDS * 1000);
    const [holder, follower] = r1.isLeader ? [r1, r2] : [r2, r1];
    const record = await asRuntime.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: runtime.namespace, name: 'leader' });
    expect(record.spec?.holderIdentity).toBe(holder === r1 ? 'replica-1' : 'replica-2');
    expect(record.spec?.leaseDurationSeconds).toBe(LEASE_SECONDS);

    const released = Date.now();
    await holder.stop();
    await eventually(async () => follower.isLeader, LEASE_SECONDS * 1000, 'takeover after release');
    console.log(`[lease] takeover after release: ${Date.now() - released} ms (lease ${LEASE_SECONDS}s)`);
    const after = await asRuntime.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: runtime.namespace, name: 'leader' });
    expect(after.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
  });

  it('takes over from a holder that vanished without releasing, once the Lease expires', async () => {
    const r3 = lease('replica-3', 'crash');
    const r4 = lease('replica-4', 'crash');
    await r3.start();
    await eventually(async () => r3.isLeader, 5000, 'first leader');
    await r4.start();
    await neverTwo([r3, r4], 1000);
    expect(r4.isLeader).toBe(false);
    const crashed = Date.now();
    await r3.abandon();
    await eventually(async () => r4.isLeader, LEASE_SECONDS * 1000 * 2 + 2000, 'takeover after expiry');
    const took = Date.now() - crashed;
    console.log(`[lease] takeover after a crash: ${took} ms (lease ${LEASE_SECONDS}s)`);
    expect(took).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000 - 500);
  });

  it('in a cluster the Lease decides and the advisory lock still guards: one leader holding both', async () => {
    const { databaseUrl, dbRolePrefix } = await createDatabase(`lease_${id}`);
    // Migrated, as every replica's store is before its leadership starts: a new leader takes the leader epoch there.
    await (await openStore({ databaseUrl, rolePrefix: dbRolePrefix })).close();
    const gated = (identity: string) => {
      const g = new GatedLeadership(lease(identity, 'gated'), new AdvisoryLockLeadership({ databaseUrl, logger, intervalMs: 200 }));
      started.push(g);
      return g;
    };
    const g1 = gated('replica-5');
    const g2 = gated('replica-6');
    await Promise.all([g1.start(), g2.start()]);
    await eventually(async () => [g1, g2].filter((g) => g.isLeader).length === 1, 10_000, 'one gated leader');
    await neverTwo([g1, g2], 2000);
    const [holder, follower] = g1.isLeader ? [g1, g2] : [g2, g1];
    await holder.stop();
    await eventually(async () => follower.isLeader, LEASE_SECONDS * 1000 + 2000, 'gated takeover');
  });

  it('a runtime with Kubernetes discovery leads through the Lease (gating the advisory lock) and releases it on close', async () => {
    const harness = await startRuntime({
      clusterDiscovery: 'kubernetes',
      kubeconfig,
      kubeRuntimeNamespace: runtime.namespace,
      kubePeerService: 'no-peers-yet',
      kubeLeaseName: 'runtime-leader',
      kubeLeaseDurationSec: LEASE_SECONDS,
    });
    try {
      const health = async () => (await fetch(harness.url.replace(/\/mcp$/, '/health'))).json();
      const led = await eventually(async () => ((await health()).leader ? health() : undefined), 10_000, 'leader');
      expect(led).toMatchObject({ leaderElection: 'lease+advisory-lock', members: ['test-replica'] });
      const record = await asRuntime.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: runtime.namespace, name: 'runtime-leader' });
      expect(record.spec?.holderIdentity).toBe('test-replica');
    } finally {
      await harness.close();
    }
    const released = await asRuntime.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: runtime.namespace, name: 'runtime-leader' });
    expect(released.spec?.holderIdentity).toBe('');
  });

  describe('EndpointSlice membership', () => {
    const service = 'debug-host-peers';
    const slice = (endpoints: V1EndpointSlice['endpoints']): V1EndpointSlice => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${service}-abc`, namespace: runtime.namespace, labels: { 'kubernetes.io/service-name': service } },
      addressType: 'IPv4',
      ports: [{ name: 'mcp', port: 2601, protocol: 'TCP' }],
      endpoints,
    });
    const endpoint = (name: string, ip: string, conditions: { ready?: boolean; terminating?: boolean }) => ({
      addresses: [ip],
      conditions,
      targetRef: { kind: 'Pod', name, namespace: runtime.namespace },
    });

    it('ready endpoints are members; not ready or deleted ones leave; terminating ones drain', async () => {
      const discovery = admin.makeApiClient(DiscoveryV1Api);
      // A selector-less headless Service: its EndpointSlices are written by hand, as the controller would.
      await admin.makeApiClient(CoreV1Api).createNamespacedService({
        namespace: runtime.namespace,
        body: { metadata: { name: service }, spec: { clusterIP: 'None', ports: [{ name: 'mcp', port: 2601 }] } },
      });
      await discovery.createNamespacedEndpointSlice({
        namespace: runtime.namespace,
        body: slice([endpoint('replica-a', '10.0.0.1', { ready: true }), endpoint('replica-b', '10.0.0.2', { ready: true })]),
      });
      const source = new EndpointSliceSource({ kubeConfig: asRuntime, namespace: runtime.namespace, service, logger });
      const membership = new Membership({ self: { id: 'replica-self', address: 'http://10.0.0.9:2601', draining: false }, source, logger, intervalMs: 5000 });
      started.push(membership);
      await membership.start();
      expect([...membership.ring.members].sort()).toEqual(['replica-a', 'replica-b', 'replica-self']);
      expect(membership.member('replica-a')?.address).toBe('http://10.0.0.1:2601');

      const replace = async (endpoints: V1EndpointSlice['endpoints']) => {
        const current = await discovery.readNamespacedEndpointSlice({ namespace: runtime.namespace, name: `${service}-abc` });
        await discovery.replaceNamespacedEndpointSlice({
          namespace: runtime.namespace,
          name: `${service}-abc`,
          body: { ...slice(endpoints), metadata: { ...slice(endpoints).metadata, resourceVersion: current.metadata?.resourceVersion } },
        });
      };
      // The watch pushes the change; the poll interval (5 s) is not what brings it.
      let changed = Date.now();
      await replace([endpoint('replica-a', '10.0.0.1', { ready: true }), endpoint('replica-b', '10.0.0.2', { ready: false })]);
      await eventually(async () => !membership.ring.has('replica-b'), 3000, 'not ready endpoint leaves');
      console.log(`[membership] not-ready endpoint left the ring in ${Date.now() - changed} ms`);
      expect(membership.member('replica-b')).toBeUndefined();

      await replace([endpoint('replica-a', '10.0.0.1', { ready: true, terminating: true })]);
      await eventually(async () => !membership.ring.has('replica-a'), 3000, 'terminating endpoint drains');
      expect(membership.member('replica-a')?.draining).toBe(true);

      changed = Date.now();
      await discovery.deleteNamespacedEndpointSlice({ namespace: runtime.namespace, name: `${service}-abc` });
      await eventually(async () => membership.member('replica-a') === undefined, 3000, 'deleted slice leaves');
      console.log(`[membership] deleted slice left the ring in ${Date.now() - changed} ms`);
      expect(membership.ring.members).toEqual(['replica-self']);
    });
  });
});
