/**
 * "Auto-scaling triggers under load", made real: the runtime's Deployment and HPA from the
 * DebugHost construct on the API server of `scripts/services` (its controller manager runs
 * the real HPA controller; kwok runs the Pods). The scaling leader, fed a history whose
 * forecast says a rise is coming, raises the HPA's floor through the runtime's own
 * ServiceAccount (the RBAC contract: get and patch of that one HPA); the HPA controller
 * scales the Deployment and the new Pods reach Running. The leader is then killed during the
 * raise; the next one continues from the stored history and walks the floor back down to
 * the stack's minimum in damped steps. Time is the leader's own (an hour-long "day" of
 * one-minute periods), so the forecast is real and the test takes a minute, not days.
 */
import { AppsV1Api, AutoscalingV2Api, CoreV1Api, KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { App, Chart } from 'cdk8s';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DebugHost } from '../../constructs/debug-host.js';
import type { AutoscalerProps } from '../../runtime/src/autoscaler/config.js';
import { AUTOSCALER_ANNOTATIONS } from '../../runtime/src/autoscaler/names.js';
import { KubeHpaFloor } from '../../runtime/src/scaling/hpa-floor.js';
import { ScalingLeader } from '../../runtime/src/scaling/scaling-leader.js';
import { LeadershipLost, takeLeaderEpoch } from '../../runtime/src/store/leader-epoch.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../runtime/src/store/sql-store.js';
import { eventually } from '../runtime/harness.js';
import { adminKubeConfig, apply, deleteNamespaces, serviceAccountKubeconfig, suffix } from '../runtime/kube-cluster.js';

const NAME = 'debug-host';
const runtime = { namespace: `dh-scale-${suffix()}`, serviceAccount: NAME };
const silent = pino({ level: process.env.DEBUG_HOST_TEST_LOG ?? 'silent' });
const PERIOD = 60;
const HOUR = 3600;
/** An hour-long "day": 60 samples a season (the unit tests of the leader use the same). */
const PROPS: AutoscalerProps = { periodSeconds: PERIOD, seasonSeconds: HOUR, weeklySeasonSeconds: 0, riseWindowSeconds: 600 };
const T0 = 1_800_000_000 - (1_800_000_000 % HOUR);
/** 20 active containers, 100 from minute 40 to 49 of every hour. */
const demandAt = (t: number) => (Math.floor((t % HOUR) / 60) >= 40 && Math.floor((t % HOUR) / 60) < 50 ? 100 : 20);

/** The construct's runtime objects that scaling needs: identity and RBAC, Deployment, HPA. */
function runtimeObjects(): KubernetesObject[] {
  const chart = new Chart(new App(), 'scale', { disableResourceNameHashes: true });
  new DebugHost(chart, 'runtime', { namespace: runtime.namespace, name: NAME });
  const kinds = ['ServiceAccount', 'Role', 'RoleBinding', 'Deployment', 'HorizontalPodAutoscaler'];
  const objects = (chart.toJson() as KubernetesObject[]).filter((o) => kinds.includes(o.kind ?? ''));
  expect(objects.map((o) => o.kind).sort()).toEqual([...kinds].sort());
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: runtime.namespace } } as KubernetesObject, ...objects];
}

describe('the scaling leader against the real HPA controller', () => {
  let admin: KubeConfig;
  let store: SqlStore;
  let hpaFloor: KubeHpaFloor;
  const hpa = () => admin.makeApiClient(AutoscalingV2Api).readNamespacedHorizontalPodAutoscaler({ namespace: runtime.namespace, name: NAME });
  const deployment = () => admin.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: runtime.namespace, name: NAME });
  const runningPods = async () =>
    (await admin.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: runtime.namespace, labelSelector: `app.kubernetes.io/name=${NAME}` })).items.filter(
      (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
    ).length;

  beforeAll(async () => {
    admin = await adminKubeConfig();
    await apply(admin, runtimeObjects());
    const asRuntime = new KubeConfig();
    asRuntime.loadFromFile(await serviceAccountKubeconfig(admin, runtime));
    hpaFloor = new KubeHpaFloor({ kubeConfig: asRuntime, namespace: runtime.namespace, name: NAME });
    store = await openStore();
    // Three seasons of history, as earlier leaders would have left it.
    for (let t = T0 - 3 * HOUR; t < T0; t += PERIOD) await store.scaling.appendSample({ at: t, demand: demandAt(t), inFlight: 0, replicas: 3 }, 15 * 86_400);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    if (admin) await deleteNamespaces(admin, [runtime.namespace]);
  });

  const leader = (id: string) =>
    new ScalingLeader({ store: store.scaling, leader: id, leaderEpoch: () => epochs.get(id), hpa: hpaFloor, props: PROPS, logger: silent });
  const epochs = new Map<string, number>();
  const tickAt = async (l: ScalingLeader, t: number) => {
    await store.scaling.reportLoad({ id: 'r1', running: demandAt(t) / 2, inFlight: 1, cpuPercent: 50, memoryPercent: 50 });
    await store.scaling.reportLoad({ id: 'r2', running: demandAt(t) / 2, inFlight: 0, cpuPercent: 50, memoryPercent: 50 });
    return l.tick(t);
  };

  it('raises the floor ahead of the forecast rise, the HPA controller scales the Deployment and the new Pods run; the next leader walks it back down in steps', async () => {
    // The HPA controller brings the Deployment (no replicas of its own) up to the stack's minimum.
    const before = await eventually(async () => ((await runningPods()) === 3 ? 3 : undefined), 90_000, 'the HPA minimum of 3 Pods Running');
    expect((await hpa()).spec?.minReplicas).toBe(3);

    epochs.set('r1', await takeLeaderEpoch(store.client, 'r1'));
    const first = leader('r1');
    let t = T0 + 30 * 60;
    let raise: Awaited<ReturnType<typeof tickAt>> | undefined;
    for (; t < T0 + 40 * 60 && !raise; t += PERIOD) {
      const result = await tickAt(first, t);
      if (result.decision.floor.change === 'raise') raise = result;
    }
    // Raised before the spike at minute 40, on the HPA itself, with the stack's minimum kept beside it.
    expect(raise?.plan?.minReplicas).toEqual({ from: 3, to: 11 });
    expect(t).toBeLessThanOrEqual(T0 + 40 * 60);
    const raised = await hpa();
    expect(raised.spec?.minReplicas).toBe(11);
    expect(raised.metadata?.annotations?.[AUTOSCALER_ANNOTATIONS.baseline]).toBe('3');
    expect(raised.metadata?.annotations?.[AUTOSCALER_ANNOTATIONS.leader]).toBe('r1');

    // The real HPA controller follows the floor; kwok runs the new Pods.
    const after = await eventually(async () => {
      const running = await runningPods();
      return running >= 11 ? running : undefined;
    }, 120_000, '11 Pods Running after the raise');
    expect(after).toBeGreaterThan(before);
    expect((await deployment()).spec?.replicas).toBe(11);

    // The leader dies during the raise; the next takes a new epoch, and the old one (still on its epoch) is refused.
    epochs.set('r2', await takeLeaderEpoch(store.client, 'r2'));
    await expect(tickAt(first, t)).rejects.toBeInstanceOf(LeadershipLost);
    const next = leader('r2');
    const floors: number[] = [];
    for (; t <= T0 + 95 * 60; t += PERIOD) floors.push((await tickAt(next, t)).plan!.minReplicas.to);
    // Down one pod at a time, never in one jump, to the stack's minimum, and never below it.
    const drops = floors.slice(1).map((f, i) => f - floors[i]!).filter((d) => d < 0);
    expect(drops.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...drops)).toBe(-1);
    expect(Math.min(...floors)).toBe(3);
    const walkedBack = await hpa();
    expect(walkedBack.spec?.minReplicas).toBe(3);
    expect(walkedBack.metadata?.annotations?.[AUTOSCALER_ANNOTATIONS.leader]).toBe('r2');
    expect(walkedBack.spec?.maxReplicas).toBe(20); // the stack's field, untouched
  }, 300_000);
});
