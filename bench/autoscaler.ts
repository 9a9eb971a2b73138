/**
 * `npm run bench:autoscaler`: replays seeded synthetic demand traces through the Kubernetes
 * HPA alone (its documented algorithm: ceil(current x metric / target), tolerance 0.1, 300 s
 * scale-down stabilization, default rate policies, sync every 15 s, pods ready 90 s after
 * creation) - the baseline, measured in the same run - and through the same HPA under the
 * leader's predictive floor (forecast + decide every 30 s, as runtime/src/autoscaler runs
 * them). An oracle that knows demand one pod start plus one sync ahead is the lower bound.
 * A second baseline keeps the floor's 10 % headroom in the HPA's own target (10 / 1.1 per
 * pod), alone and under the floor: what headroom alone buys, and what the forecast adds to it.
 *
 * Per trace and policy: under-provisioned pod-minutes (pods the demand needs, not ready),
 * over-provisioned pod-minutes (pods beyond those needed), SLO-violating samples (demand over
 * ready pods x per-pod), pod-minutes, scaling actions; for the predictive floor its raises and
 * how many the demand followed; and the predictive / hpa ratios. The warm-up days only feed
 * the history. No cluster, no I/O: the figures depend on the seed and the flags only.
 *
 *   npm run bench:autoscaler -- [--seed 42] [--trace daily,weekly] [--per-pod 10] [--min 3] [--max 20]
 *                               [--pod-start 90] [--sync 15] [--reselect-hours 24] [--weekly-season 604800 (0: off)]
 */
import { parseArgs } from 'node:util';
import { parseAutoscalerConfig } from '../runtime/src/autoscaler/config.js';
import { replay, type ReplayOptions, type ReplayResult } from '../runtime/src/autoscaler/replay.js';
import { DAY, generateTrace, type Trace, type TraceSpec } from '../test/support/demand-traces.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    trace: { type: 'string', default: '' },
    'per-pod': { type: 'string', default: '10' },
    min: { type: 'string', default: '3' },
    max: { type: 'string', default: '20' },
    'pod-start': { type: 'string', default: '90' },
    sync: { type: 'string', default: '15' },
    'reselect-hours': { type: 'string', default: '24' },
    'weekly-season': { type: 'string', default: '604800' },
  },
});
const SEED = Number(values.seed);
const settings = {
  perPod: Number(values['per-pod']),
  minReplicas: Number(values.min),
  maxReplicas: Number(values.max),
  podStartSeconds: Number(values['pod-start']),
  syncSeconds: Number(values.sync),
};
const config = parseAutoscalerConfig({
  minReplicas: settings.minReplicas,
  maxReplicas: settings.maxReplicas,
  perPodTarget: settings.perPod,
  podStartSeconds: settings.podStartSeconds,
  hpaSyncSeconds: settings.syncSeconds,
  weeklySeasonSeconds: Number(values['weekly-season']),
});

interface Scenario {
  readonly what: string;
  readonly warmupDays: number;
  readonly spec: Omit<TraceSpec, 'seed'>;
  /** The goal on this trace: 'foreseeable' (violations <= 25 % of the HPA's, pod-minutes <= 1.15 x the oracle's, >= 80 % of raises followed), 'no-worse' (violations <= the HPA's). @default - none */
  readonly goal?: 'foreseeable' | 'no-worse';
}

const SCENARIOS: Record<string, Scenario> = {
  daily: { what: 'working-day profile (night 12 %, ramp 06:30-09:30, lunch dip, evening decline), drift and noise', warmupDays: 7, spec: { days: 14 }, goal: 'foreseeable' },
  'scheduled-spike': { what: 'the daily profile plus a nightly batch: +90 containers at 02:00 within 1 min, for 25 min', warmupDays: 7, spec: { days: 14, nightlyBatch: 90 }, goal: 'foreseeable' },
  weekly: { what: 'the daily profile on weekdays, weekends at 15 % of it; measured in the third week, once the weekly season is in use', warmupDays: 14, spec: { days: 21, weekend: 0.15 } },
  'flash-crowd': { what: 'the daily profile plus one unforeseeable surge of +100 containers (2 min rise, 40 min) in the measured week', warmupDays: 7, spec: { days: 14, flashCrowd: 100, surgeFromDay: 7 }, goal: 'no-worse' },
  'random-spikes': { what: 'the daily profile plus unforeseeable spikes (4 a day, +40-80 for 5-15 min)', warmupDays: 7, spec: { days: 14, randomSpikesPerDay: 4 }, goal: 'no-worse' },
};
const names = values.trace ? values.trace.split(',') : Object.keys(SCENARIOS);
for (const name of names) if (!SCENARIOS[name]) throw new Error(`--trace: unknown trace '${name}'; the traces are ${Object.keys(SCENARIOS).join(', ')}`);

const figures = (r: ReplayResult) => ({
  underProvisionedPodMinutes: round(r.underProvisionedPodMinutes),
  overProvisionedPodMinutes: round(r.overProvisionedPodMinutes),
  sloViolatingSamples: r.sloViolatingSamples,
  sloViolationMinutes: round(r.sloViolationMinutes),
  podMinutes: round(r.podMinutes),
  scalingActions: r.scalingActions,
  ...(r.floor ? { floor: r.floor } : {}),
});
const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : null) : round(a / b, 3));

const began = performance.now();
const traces: Record<string, unknown> = {};
for (const name of names) {
  const scenario = SCENARIOS[name]!;
  // Each trace its own seed, the same whichever traces --trace picks.
  const trace: Trace = generateTrace({ seed: SEED + Object.keys(SCENARIOS).indexOf(name), ...scenario.spec });
  const options: ReplayOptions = { ...settings, measureFromSeconds: scenario.warmupDays * DAY, timeline: true };
  const t0 = performance.now();
  const hpa = replay(trace, { kind: 'hpa' }, options);
  const predictive = replay(trace, { kind: 'predictive', config, reselectEverySeconds: Number(values['reselect-hours']) * 3600 }, options);
  const oracle = replay(trace, { kind: 'oracle' }, options);
  // The HPA alone with the floor's headroom built into its target (10 / 1.1 per pod): what
  // headroom alone buys, without a forecast.
  const headroom = { ...options, hpaTargetPerPod: settings.perPod / (1 + config.floorHeadroom) };
  const hpaHeadroom = replay(trace, { kind: 'hpa' }, headroom);
  const predictiveHeadroom = replay(trace, { kind: 'predictive', config, reselectEverySeconds: Number(values['reselect-hours']) * 3600 }, headroom);
  process.stderr.write(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n${plot(trace, scenario.warmupDays, hpa, predictive)}\n`);
  const violations = ratio(predictive.sloViolatingSamples, hpa.sloViolatingSamples);
  const overOracle = ratio(predictive.podMinutes, oracle.podMinutes);
  const followed = predictive.floor!.raises ? round(predictive.floor!.raisesFollowedByDemand / predictive.floor!.raises, 3) : null;
  const target =
    scenario.goal === 'foreseeable'
      ? { sloViolatingSamplesRatio: '<= 0.25', podMinutesOverOracle: '<= 1.15', raisesFollowed: '>= 0.8', raisesFollowedShare: followed, pass: violations !== null && violations <= 0.25 && overOracle !== null && overOracle <= 1.15 && followed !== null && followed >= 0.8 }
      : scenario.goal === 'no-worse'
        ? { sloViolatingSamplesRatio: '<= 1', pass: violations !== null && violations <= 1 }
        : undefined;
  traces[name] = {
    what: scenario.what,
    days: scenario.spec.days,
    warmupDays: scenario.warmupDays,
    measuredSamples: hpa.measuredSamples,
    hpa: figures(hpa),
    predictive: figures(predictive),
    oracle: figures(oracle),
    hpaWithHeadroom: { hpaTargetPerPod: round(headroom.hpaTargetPerPod, 2), ...figures(hpaHeadroom) },
    predictiveWithHeadroom: { hpaTargetPerPod: round(headroom.hpaTargetPerPod, 2), ...figures(predictiveHeadroom) },
    ratio: {
      note: 'predictive / hpa (the HPA alone is the baseline)',
      underProvisionedPodMinutes: ratio(predictive.underProvisionedPodMinutes, hpa.underProvisionedPodMinutes),
      overProvisionedPodMinutes: ratio(predictive.overProvisionedPodMinutes, hpa.overProvisionedPodMinutes),
      sloViolatingSamples: violations,
      podMinutes: ratio(predictive.podMinutes, hpa.podMinutes),
      podMinutesOverOracle: overOracle,
    },
    ratioToHpaWithHeadroom: {
      note: 'predictive (HPA target 10) and predictiveWithHeadroom (HPA target 9.09) / the HPA alone at target 9.09: what the forecast adds to headroom',
      predictive: { sloViolatingSamples: ratio(predictive.sloViolatingSamples, hpaHeadroom.sloViolatingSamples), podMinutes: ratio(predictive.podMinutes, hpaHeadroom.podMinutes) },
      predictiveWithHeadroom: {
        underProvisionedPodMinutes: ratio(predictiveHeadroom.underProvisionedPodMinutes, hpaHeadroom.underProvisionedPodMinutes),
        overProvisionedPodMinutes: ratio(predictiveHeadroom.overProvisionedPodMinutes, hpaHeadroom.overProvisionedPodMinutes),
        sloViolatingSamples: ratio(predictiveHeadroom.sloViolatingSamples, hpaHeadroom.sloViolatingSamples),
        podMinutes: ratio(predictiveHeadroom.podMinutes, hpaHeadroom.podMinutes),
      },
    },
    ...(trace.events.length ? { duringSpikes: duringSpikes(trace, scenario.warmupDays, { hpa, predictive, hpaWithHeadroom: hpaHeadroom, predictiveWithHeadroom: predictiveHeadroom, oracle }) } : {}),
    ...(target ? { target } : {}),
  };
}

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'autoscaler',
      seed: SEED,
      node: process.version,
      settings: { ...settings, stepSeconds: 15, hpa: 'tolerance 0.1, scale-down stabilization 300 s, up max(100 %, 4 pods)/15 s, down 100 %/15 s', config },
      traces,
      wallSeconds: round((performance.now() - began) / 1000),
    },
    null,
    2,
  )}\n`,
);

/**
 * SLO-violating samples within the unforeseeable spikes only (from each spike's start for its
 * longest possible length, 45 minutes), measured days only: what the floor does where no
 * forecast can help.
 */
function duringSpikes(trace: Trace, warmupDays: number, results: Record<string, ReplayResult>) {
  const from = Math.round((warmupDays * DAY) / trace.stepSeconds);
  const inSpike = new Uint8Array(trace.demand.length);
  for (const start of trace.events) {
    const i0 = Math.max(from, Math.round(start / trace.stepSeconds));
    for (let i = i0; i < Math.min(inSpike.length, i0 + (45 * 60) / trace.stepSeconds); i += 1) inSpike[i] = 1;
  }
  const samples = inSpike.reduce((a, b) => a + b, 0);
  const violating = Object.fromEntries(
    Object.entries(results).map(([policy, r]) => [policy, trace.demand.reduce((n, d, i) => n + (inSpike[i] && d > r.timeline!.ready[i]! * settings.perPod ? 1 : 0), 0)]),
  );
  return { spikes: trace.events.filter((t) => t >= warmupDays * DAY).length, samples, sloViolatingSamples: violating };
}

/**
 * The text plot on stderr: the first measured day, one column per 15 minutes, for each
 * policy: 'short' has '!' where some sample had fewer ready pods than demand needed; 'idle'
 * the most ready pods beyond the need in the column ('#' none, '.' one, '+' two or more).
 */
function plot(trace: Trace, warmupDays: number, hpa: ReplayResult, predictive: ReplayResult): string {
  const perColumn = Math.round(900 / trace.stepSeconds);
  const first = Math.round((warmupDays * DAY) / trace.stepSeconds);
  const rows: string[] = [];
  for (const [label, r] of [['hpa', hpa], ['predictive', predictive]] as const) {
    const short: string[] = [];
    const idle: string[] = [];
    for (let c = 0; c < 96; c += 1) {
      let worst = 0;
      let extra = 0;
      for (let k = 0; k < perColumn; k += 1) {
        const i = first + c * perColumn + k;
        const needed = Math.ceil(trace.demand[i]! / settings.perPod);
        const ready = r.timeline!.ready[i]!;
        worst = Math.max(worst, needed - ready);
        extra = Math.max(extra, ready - needed);
      }
      short.push(worst > 0 ? '!' : ' ');
      idle.push(extra >= 2 ? '+' : extra > 0 ? '.' : '#');
    }
    rows.push(`${label.padStart(10)} short ${short.join('')}`, `${''.padStart(10)} idle  ${idle.join('')}`);
  }
  rows.push(`${''.padStart(16)}${'0'.padEnd(24)}${'6'.padEnd(24)}${'12'.padEnd(24)}18`);
  return rows.join('\n');
}
