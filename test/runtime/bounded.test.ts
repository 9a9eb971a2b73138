import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { forEachBounded } from '../../runtime/src/projects/bounded.js';

describe('forEachBounded (recovery and takeover start runs through it)', () => {
  it('works on every item once with never more than the limit in flight, and uses the whole limit', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await sleep(i % 3);
        seen.push(i);
        inFlight -= 1;
      },
    );
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('after a failure starts nothing new, lets the items in flight finish, then rejects with it', async () => {
    const finished: number[] = [];
    const run = forEachBounded([1, 2, 3, 4, 5], 2, async (i) => {
      if (i === 2) throw new Error('boom');
      await sleep(20);
      finished.push(i);
    });
    await expect(run).rejects.toThrow('boom');
    expect(finished).toEqual([1]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachBounded([], 8, async () => void (calls += 1));
    expect(calls).toBe(0);
  });
});
