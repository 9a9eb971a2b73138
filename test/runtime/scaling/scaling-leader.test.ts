/**
 * The autoscaler's leader loop (scaling/scaling-leader.ts) on the embedded store, in
 * recommendation mode: no forecast below two seasons (and it says so), a raise ahead of a
 * recurring spike, stored with its reason and written to the outbox for debug-host.scaling;
 * a new leader continues from the stored history and walks the floor down in damped steps;
 * a deposed leader's tick is refused. Short seasons (an hour of 1-minute periods) keep it fast.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AutoscalerProps } from '../../../runtime/src/autoscaler/config.js';
import { topicFor } from '../../../runtime/src/events/topics.js';
import { Metrics } from '../../../runtime/src/metrics/metrics.js';
import { ScalingLeader } from '../../../runtime/src/scaling/scaling-leader.js';
import { LeadershipLost, takeLeaderEpoch } from '../../../runtime/src/store/leader-epoch.js';
import { openStore } from '../../../runtime/src/store/open-store.js';
import { SCALING_EVENT_TYPE } from '../../../runtime/src/store/scaling.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';

const silent = pino({ level: 'silent' });
const PERIOD = 60;
const HOUR = 3600;
/** An hour-long "day": 60 samples a season, a lead of 3 periods, a rise window of 10. */
const PROPS: AutoscalerProps = { periodSeconds: PERIOD, seasonSeconds: HOUR, weeklySeasonSeconds: 0, riseWindowSeconds: 600 };
/** 2027-01-15T08:00:00Z, on the hour. */
const T0 = 1_800_000_000 - (1_800_000_000 % HOUR);
/** 20 active containers, 100 from minute 40 to 49 of every hour. */
const demandAt = (t: number) => (Math.floor((t % HOUR) / 60) >= 40 && Math.floor((t % HOUR) / 60) < 50 ? 100 : 20);

describe('the autoscaler leader loop (recommendation mode)', () => {
  let store: SqlStore;
  beforeEach(async () => {
    store = await openStore();
  });
  afterEach(() => store.close());

  const leader = (id: string, epoch?: number, metrics?: Metrics) =>
    new ScalingLeader({ store: store.scaling, leader: id, props: PROPS, logger: silent, ...(epoch === undefined ? {} : { leaderEpoch: () => epoch }), ...(metrics ? { metrics } : {}) });

  /** The replicas report the trace's demand at `t`, then the leader ticks. */
  async function tickAt(l: ScalingLeader, t: number) {
    await store.scaling.reportLoad({ id: 'r1', running: demandAt(t) / 2, inFlight: 1, cpuPercent: 50, memoryPercent: 50 });
    await store.scaling.reportLoad({ id: 'r2', running: demandAt(t) / 2, inFlight: 0, cpuPercent: 50, memoryPercent: 50 });
    return l.tick(t);
  }

  /** Three seasons of history before T0, as earlier leaders would have left it. */
  async function seedHistory(): Promise<void> {
    for (let t = T0 - 3 * HOUR; t < T0; t += PERIOD) await store.scaling.appendSample({ at: t, demand: demandAt(t), inFlight: 0, replicas: 3 }, 15 * 86_400);
  }

  it('does not predict below two seasons of history, says so, and holds the floor at the minimum', async () => {
    const result = await tickAt(leader('r1'), T0);
    expect(result.mode).toBe('recommend');
    expect(result.demand).toBe(20);
    expect(result.decision.facts.forecast).toMatchObject({ ok: false, reason: 'insufficient-history' });
    expect(result.decision.floor).toMatchObject({ from: 3, to: 3, change: 'hold' });
    const [stored] = await store.scaling.recentDecisions(5);
    expect(stored).toMatchObject({ leader: 'r1', mode: 'recommend', floor: { from: 3, to: 3, change: 'hold' } });
    expect(stored!.reason).toMatch(/no forecast \(insufficient-history: No forecast: 1 samples of history, 120 needed/);
    const history = await store.scaling.history(T0 - 1);
    expect(history).toEqual([{ at: T0, demand: 20, inFlight: 1, replicas: 2, cpuPercent: 50, memoryPercent: 50 }]);
  });

  it('raises the floor ahead of a recurring spike, stores the decision with its reason, sends it to debug-host.scaling and shows it on /metrics', async () => {
    await seedHistory();
    const metrics = new Metrics('r1');
    const l = leader('r1', undefined, metrics);
    const raises = [];
    for (let t = T0 + 30 * 60; t <= T0 + 40 * 60; t += PERIOD) {
      const r = await tickAt(l, t);
      if (r.decision.floor.change === 'raise') raises.push({ minute: (t - T0) / 60, ...r.decision.floor });
    }
    // The spike at minute 40 needs 11 pods (100 x 1.1 / 10); the raise comes before it, within the lead.
    expect(raises[0]).toMatchObject({ from: 3, to: 11, rule: 'rise' });
    expect(raises[0]!.minute).toBeGreaterThanOrEqual(36);
    expect(raises[0]!.minute).toBeLessThan(40);
    const decisions = await store.scaling.recentDecisions(50);
    const raise = decisions.find((d) => d.floor.change === 'raise')!;
    expect(raise.reason).toMatch(/^floor 3 -> 11: forecast peak .* needs 11 pods at 10 per pod .*confidence [01]\.\d+ > 0\.8/);
    const { rows } = await store.client.query<{ type: string; payload: { floor: { to: number } } }>('SELECT type, payload FROM platform.outbox WHERE type = $1 ORDER BY id', [SCALING_EVENT_TYPE]);
    expect(rows).toHaveLength(decisions.length);
    expect(rows.some((r) => r.payload.floor.to === 11)).toBe(true);
    expect(topicFor(SCALING_EVENT_TYPE)).toBe('debug-host.scaling');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/debug_host_autoscaler_floor\{mode="recommend",replica="r1"\} 11/);
    expect(text).toMatch(/debug_host_autoscaler_forecast\{figure="confidence",replica="r1"\} (1|0\.\d+)/);
    expect(text).toMatch(/debug_host_autoscaler_decisions_total\{change="raise",rule="rise",replica="r1"\} 1/);
  });

  it('a new leader continues from the stored history: the floor walks back down in damped steps, never in one jump, and does not stay raised', async () => {
    await seedHistory();
    const first = leader('r1', await takeLeaderEpoch(store.client, 'r1'));
    let t = T0 + 30 * 60;
    for (; t <= T0 + 39 * 60; t += PERIOD) await tickAt(first, t);
    expect((await store.scaling.recentDecisions(1))[0]!.floor.to).toBe(11);

    // The first leader is killed during the raise; the next one takes a new epoch.
    const next = leader('r2', await takeLeaderEpoch(store.client, 'r2'));
    await expect(tickAt(first, t)).rejects.toBeInstanceOf(LeadershipLost);
    const floors: number[] = [];
    for (; t <= T0 + 95 * 60; t += PERIOD) floors.push((await tickAt(next, t)).decision.floor.to);
    // After the spike it comes down one pod at a time, at most one step per 4 periods, to the minimum.
    const steps = floors.slice(1).map((f, i) => f - floors[i]!).filter((d) => d < 0);
    expect(steps.length).toBeGreaterThanOrEqual(8);
    expect(Math.min(...steps)).toBe(-1);
    expect(floors).toContain(3);
    const firstStepDown = floors.findIndex((f, i) => i > 0 && f < floors[i - 1]!);
    for (let i = firstStepDown + 1; i < floors.length; i += 1) {
      if (floors[i]! < floors[i - 1]!) expect(floors.slice(Math.max(0, i - 4), i - 1).every((f) => f === floors[i - 1])).toBe(true);
    }
    const decisions = await store.scaling.recentDecisions(200);
    expect(decisions.every((d) => d.reason.length > 0)).toBe(true);
    expect(new Set(decisions.map((d) => d.leader))).toEqual(new Set(['r1', 'r2']));
  });
});
