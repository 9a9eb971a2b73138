/** The nemesis schedule: a pure function of the seed, so that CHAOS_SEED replays it. */
import { describe, expect, it } from 'vitest';
import { planFaults } from '../integration/chaos/nemesis.js';
import { Random, seedFromEnv } from '../integration/chaos/prng.js';

const REPLICAS = ['r1', 'r2', 'r3'];
const plan = (seed: number) => planFaults(new Random(seed).fork('nemesis'), REPLICAS, 40);

describe('the fault schedule', () => {
  it('is the same for the same seed, and another for another seed', () => {
    expect(plan(1234)).toEqual(plan(1234));
    expect(plan(1234)).not.toEqual(plan(1235));
  });

  it('does not depend on what other streams of the same seed drew', () => {
    const random = new Random(99);
    const client = random.fork('chaosa-c0');
    for (let i = 0; i < 1000; i += 1) client.next();
    expect(planFaults(random.fork('nemesis'), REPLICAS, 10)).toEqual(plan(99).slice(0, 10));
  });

  it('uses every kind and replica, pauses and cuts longer than the 4 s membership TTL, gaps of 2-6 s by default', () => {
    const faults = plan(7);
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(['kill', 'pause', 'partition', 'terminate']));
    expect(new Set(faults.map((f) => f.replica))).toEqual(new Set(REPLICAS));
    for (const f of faults.filter((x) => x.kind === 'pause' || x.kind === 'partition')) expect(f.holdMs).toBeGreaterThan(4000);
    for (const f of faults) {
      expect(f.gapMs).toBeGreaterThanOrEqual(2000);
      expect(f.gapMs).toBeLessThanOrEqual(6000);
    }
  });

  it('takes its seed from CHAOS_SEED, and says what is wrong with a bad one', () => {
    expect(seedFromEnv({ CHAOS_SEED: '42' })).toBe(42);
    expect(() => seedFromEnv({ CHAOS_SEED: 'abc' })).toThrow(/CHAOS_SEED must be a whole number 0-4294967295, not 'abc'/);
    expect(seedFromEnv({})).toBeGreaterThanOrEqual(0);
  });
});
