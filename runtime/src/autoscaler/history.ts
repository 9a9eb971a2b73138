/**
 * From the store's history rows (timestamped, possibly with gaps where no leader sampled, or
 * two samples in one period after a change of leader) to the series the forecast reads: one
 * value per period, oldest first, ending at the latest sample. Pure.
 */

export interface DemandSample {
  /** Seconds (e.g. since the epoch). */
  readonly at: number;
  /** Active containers cluster-wide. */
  readonly demand: number;
}

export interface Series {
  /** One value per period; the last is the latest sample's period. */
  readonly values: number[];
  /** Seconds of the last value's period (its start). */
  readonly endsAt: number;
  /** Periods no sample fell in, filled by linear interpolation between their neighbours. */
  readonly filled: number;
}

/**
 * Samples onto the grid of `periodSeconds` (periods start at multiples of it): the mean of
 * the samples in a period; empty periods between two samples interpolated; at most
 * `maxSamples` periods, the newest. Samples that are not finite or negative are dropped.
 */
export function toSeries(samples: readonly DemandSample[], periodSeconds: number, maxSamples: number): Series {
  const valid = samples.filter((s) => Number.isFinite(s.at) && Number.isFinite(s.demand) && s.demand >= 0);
  if (valid.length === 0) return { values: [], endsAt: Number.NaN, filled: 0 };
  const slot = (at: number) => Math.floor(at / periodSeconds);
  const last = Math.max(...valid.map((s) => slot(s.at)));
  const first = Math.max(last - maxSamples + 1, Math.min(...valid.map((s) => slot(s.at))));
  const n = last - first + 1;
  const sums = new Float64Array(n);
  const counts = new Uint32Array(n);
  for (const s of valid) {
    const i = slot(s.at) - first;
    if (i < 0) continue;
    sums[i]! += s.demand;
    counts[i]! += 1;
  }
  const values = new Array<number>(n);
  let filled = 0;
  let previous = -1;
  for (let i = 0; i < n; i += 1) {
    if (counts[i] === 0) continue;
    values[i] = sums[i]! / counts[i]!;
    // A gap at the start (older samples cut by maxSamples) takes the first value.
    const from = previous < 0 ? values[i]! : values[previous]!;
    for (let k = previous + 1; k < i; k += 1) {
      values[k] = previous < 0 ? from : from + ((values[i]! - from) * (k - previous)) / (i - previous);
      filled += 1;
    }
    previous = i;
  }
  return { values, endsAt: last * periodSeconds, filled };
}
