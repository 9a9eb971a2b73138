/** Small helpers shared by the benchmarks: percentiles and a text histogram for stderr. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/** A text histogram: the "plot" a benchmark prints beside its JSON. */
export function histogram(valuesMs: readonly number[], buckets = 12, width = 50): string {
  if (valuesMs.length === 0) return '(no samples)';
  const max = Math.max(...valuesMs);
  const size = max / buckets || 1;
  const counts = new Array<number>(buckets).fill(0);
  for (const v of valuesMs) counts[Math.min(buckets - 1, Math.floor(v / size))]! += 1;
  const peak = Math.max(...counts);
  return counts
    .map((count, i) => `${`${Math.round(i * size)}-${Math.round((i + 1) * size)} ms`.padStart(16)} | ${'#'.repeat(Math.round((count / peak) * width))} ${count}`)
    .join('\n');
}
