/** From the store's timestamped rows to the one-sample-per-period series the forecast reads. */
import { describe, expect, it } from 'vitest';
import { toSeries } from '../../../runtime/src/autoscaler/history.js';

describe('toSeries', () => {
  it('puts samples on the period grid, averages two in one period, interpolates a gap', () => {
    const series = toSeries(
      [
        { at: 30, demand: 10 },
        { at: 61, demand: 20 },
        { at: 89, demand: 30 }, // same period as 61 (after a change of leader)
        { at: 150, demand: 55 }, // two empty periods before it
      ],
      30,
      100,
    );
    expect(series).toEqual({ values: [10, 25, 35, 45, 55], endsAt: 150, filled: 2 });
  });

  it('keeps the newest maxSamples periods, in order whatever the rows order', () => {
    const rows = [90, 0, 60, 30].map((at) => ({ at, demand: at }));
    expect(toSeries(rows, 30, 2)).toEqual({ values: [60, 90], endsAt: 90, filled: 0 });
  });

  it('drops samples that are not demands, and has nothing to say without any', () => {
    expect(toSeries([{ at: 0, demand: -1 }, { at: 30, demand: Number.NaN }, { at: 60, demand: 4 }], 30, 10)).toEqual({ values: [4], endsAt: 60, filled: 0 });
    expect(toSeries([], 30, 10)).toEqual({ values: [], endsAt: Number.NaN, filled: 0 });
  });
});
