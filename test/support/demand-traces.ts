/**
 * Seeded synthetic demand traces (active containers cluster-wide), shared by the autoscaler
 * tests and `bench/autoscaler.ts`: a working-day profile with slow drift and sample noise,
 * and variants (weekends, a nightly batch, a flash crowd, random spikes, steady, ramp,
 * flapping). Same seed, same trace.
 */

/** mulberry32: small, fast, and the same numbers on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal numbers from a uniform source (Box-Muller). */
export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export const DAY = 86_400;

/** Share of the daily peak by hour: quiet night, morning ramp, lunch dip, evening decline. */
const PROFILE: ReadonlyArray<readonly [number, number]> = [
  [0, 0.12], [6.5, 0.12], [8, 0.55], [9.5, 1], [12, 0.95], [12.75, 0.8], [13.5, 0.95], [17, 0.9], [19, 0.45], [22, 0.18], [24, 0.12],
];

/** The profile at `hour` (0-24), cosine-interpolated between its points. */
export function workingDay(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  for (let k = 1; k < PROFILE.length; k += 1) {
    const [h1, v1] = PROFILE[k]!;
    const [h0, v0] = PROFILE[k - 1]!;
    if (h <= h1) return v0 + ((v1 - v0) * (1 - Math.cos((Math.PI * (h - h0)) / (h1 - h0)))) / 2;
  }
  return PROFILE[0]![1];
}

export interface TraceSpec {
  readonly seed: number;
  readonly days: number;
  /** @default 15 */
  readonly stepSeconds?: number;
  /** Daily peak, active containers. @default 160 */
  readonly peak?: number;
  /** Saturday and Sunday at this share of a weekday's daytime (day 0 is a Monday). @default 1 (no weekends) */
  readonly weekend?: number;
  /** Extra containers every night at 02:00 for 25 minutes. @default 0 */
  readonly nightlyBatch?: number;
  /** One surge of this many containers on a day from `surgeFromDay`, at a seeded time. @default 0 */
  readonly flashCrowd?: number;
  /** @default 0 */
  readonly surgeFromDay?: number;
  /** Unforeseeable short spikes per day (Poisson), each of 40-80 containers for 5-15 minutes. @default 0 */
  readonly randomSpikesPerDay?: number;
  /** Slow multiplicative drift (AR(1)), standard deviation. @default 0.06 */
  readonly drift?: number;
}

export interface Trace {
  readonly stepSeconds: number;
  readonly demand: Float64Array;
  /** Where spikes start, seconds (flash crowd, random spikes), for the report. */
  readonly events: readonly number[];
}

/** A trapezoid: 0 before `start`, `height` after a `rise`, held `hold`, gone after `fall`. */
const pulse = (t: number, start: number, rise: number, hold: number, fall: number, height: number): number => {
  const x = t - start;
  if (x <= 0 || x >= rise + hold + fall) return 0;
  if (x < rise) return (height * x) / rise;
  if (x < rise + hold) return height;
  return height * (1 - (x - rise - hold) / fall);
};

export function generateTrace(spec: TraceSpec): Trace {
  const step = spec.stepSeconds ?? 15;
  const peak = spec.peak ?? 160;
  const random = prng(spec.seed);
  const normal = gaussian(random);
  const n = Math.round((spec.days * DAY) / step);
  const spikes: Array<{ start: number; rise: number; hold: number; fall: number; height: number }> = [];
  if (spec.flashCrowd) {
    const day = (spec.surgeFromDay ?? 0) + Math.floor(random() * Math.max(1, spec.days - (spec.surgeFromDay ?? 0)));
    spikes.push({ start: day * DAY + (10 + random() * 10) * 3600, rise: 120, hold: 40 * 60, fall: 600, height: spec.flashCrowd });
  }
  if (spec.randomSpikesPerDay) {
    for (let t = 0; t < spec.days * DAY; ) {
      t += (-Math.log(1 - random()) * DAY) / spec.randomSpikesPerDay;
      spikes.push({ start: t, rise: 60, hold: (5 + random() * 10) * 60, fall: 120, height: 40 + random() * 40 });
    }
  }
  const phi = 0.995; // per 15 s: drift wanders over tens of minutes
  const driftSd = spec.drift ?? 0.06;
  let drift = 0;
  const demand = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const t = i * step;
    const day = Math.floor(t / DAY);
    const hour = (t % DAY) / 3600;
    let share = workingDay(hour);
    const weekendDay = day % 7 >= 5;
    if (weekendDay && spec.weekend !== undefined) share = 0.12 + (share - 0.12) * spec.weekend;
    drift = phi * drift + Math.sqrt(1 - phi * phi) * driftSd * normal();
    let d = peak * share * (1 + drift);
    if (spec.nightlyBatch) d += pulse(t % DAY, 2 * 3600, 60, 25 * 60, 300, spec.nightlyBatch);
    for (const s of spikes) d += pulse(t, s.start, s.rise, s.hold, s.fall, s.height);
    demand[i] = Math.max(0, Math.round(d + 0.5 * Math.sqrt(Math.max(d, 0)) * normal()));
  }
  return { stepSeconds: step, demand, events: spikes.map((s) => s.start) };
}

/** Constant demand with sample noise. */
export function steady(level: number, samples: number, seed = 1, noise = 0.02): number[] {
  const normal = gaussian(prng(seed));
  return Array.from({ length: samples }, () => Math.max(0, level * (1 + noise * normal())));
}

/** A straight line from `from` to `to`. */
export const ramp = (from: number, to: number, samples: number): number[] => Array.from({ length: samples }, (_, i) => from + ((to - from) * i) / Math.max(1, samples - 1));

/** Demand that crosses `around` back and forth every `every` samples (a threshold flapper). */
export const flapping = (around: number, amplitude: number, every: number, samples: number): number[] =>
  Array.from({ length: samples }, (_, i) => around + (Math.floor(i / every) % 2 === 0 ? amplitude : -amplitude));

/** A pure daily sine (mean `mean`, swing `amplitude`) sampled `perDay` times a day. */
export const dailySine = (mean: number, amplitude: number, perDay: number, days: number, noise = 0, seed = 1): number[] => {
  const normal = gaussian(prng(seed));
  return Array.from({ length: perDay * days }, (_, i) => Math.max(0, mean + amplitude * Math.sin((2 * Math.PI * i) / perDay) + noise * normal()));
};
