/** `debug-host autoscaler replay`: its options and defaults, the JSON of three policies, errors naming the trace's line. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');
const TSX = resolve(import.meta.dirname, '../../node_modules/.bin/tsx');
const cli = (args: string[]) => run(TSX, [CLI, 'autoscaler', ...args]);

describe('debug-host autoscaler replay', () => {
  let dir: string;
  const trace = async (name: string, text: string) => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };
  /** Four hours at 15 s: 20 active containers, 100 from minute 40 to 49 of every hour. */
  const hourly = ['seconds,demand', ...Array.from({ length: 960 }, (_, i) => `${i * 15},${Math.floor(((i * 15) % 3600) / 60) >= 40 && Math.floor(((i * 15) % 3600) / 60) < 50 ? 100 : 20}`)].join('\n');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cli-replay-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('documents its options and their defaults', async () => {
    const { stdout } = await cli(['replay', '--help']);
    for (const option of ['--trace <file>', '--per-pod <n>        Active containers one pod serves (default 10)', '(default 3)', '(default 20)', '--ready-delay <s>', '(default 90)', '--sync <s>', '(default 15)', '--json']) expect(stdout).toContain(option);
  });

  it('prints one JSON object with the figures of hpa, predictive and oracle', async () => {
    const { stdout } = await cli(['replay', '--trace', await trace('hourly.csv', hourly), '--json']);
    const { policies } = JSON.parse(stdout) as { policies: Record<string, Record<string, number>> };
    expect(Object.keys(policies)).toEqual(['hpa', 'predictive', 'oracle']);
    for (const p of Object.values(policies)) expect(p).toMatchObject({ replicaMinutes: expect.any(Number), violationMinutes: expect.any(Number), scalingActions: expect.any(Number) });
    expect(policies.predictive).toMatchObject({ floorRaises: expect.any(Number), floorRaisesFollowedByDemand: expect.any(Number) });
    // The oracle is never late: no violation, and no more replica-minutes than the HPA alone.
    expect(policies.oracle!.violationMinutes).toBe(0);
    expect(policies.hpa!.violationMinutes).toBeGreaterThan(0);
    expect(policies.oracle!.replicaMinutes).toBeLessThanOrEqual(policies.hpa!.replicaMinutes!);
    // Four hours are under two daily seasons: the leader does not predict, so predictive is the HPA.
    expect(policies.predictive).toMatchObject({ ...policies.hpa, floorRaises: 0 });
  });

  it('prints a line per policy without --json, and takes the options', async () => {
    const { stdout } = await cli(['replay', '--trace', await trace('hourly2.csv', hourly), '--per-pod', '20', '--min', '2', '--max', '8']);
    expect(stdout).toMatch(/960 samples at 15 s \(4 h\), 20 per pod, 2-8 replicas, ready after 90 s, HPA sync 15 s/);
    expect(stdout).toMatch(/^hpa +replicaMinutes [\d.]+ +violationMinutes [\d.]+ +scalingActions \d+$/m);
    expect(stdout).toMatch(/^predictive .* floorRaises \d+ \(\d+ followed by the demand they expected\)$/m);
  });

  it.each([
    ['seconds,load\n0,1\n15,2\n', /line 1: the header is "seconds,load", not "seconds,demand"/],
    ['seconds,demand\n0,1\n15,x\n', /line 3: demand "x" is not a number of at least 0/],
    ['seconds,demand\n0,1\n15,2\n45,3\n', /line 4: 45 s does not follow 15 s at the trace's step of 15 s/],
    ['seconds,demand\n0,1\n15,2,3\n', /line 3: 3 fields in "15,2,3", 2 expected/],
    ['seconds,demand\n5,1\n20,2\n', /line 2: the first sample is at 5 s, not 0/],
  ])('refuses a malformed trace naming the line: %j', async (text, message) => {
    const file = await trace(`bad-${Math.random().toString(36).slice(2)}.csv`, text);
    await expect(cli(['replay', '--trace', file])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(message) });
  });

  it('refuses a bad option or a missing trace with the fix', async () => {
    await expect(cli(['replay', '--trace', join(dir, 'missing.csv')])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/Cannot read --trace .*missing\.csv: ENOENT/) });
    await expect(cli(['replay'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/needs --trace FILE/) });
    await expect(cli(['replay', '--trace', 'x.csv', '--min', '0'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/--min "0" is not a whole number over 0\. Pass e\.g\. --min 3\./) });
  });
});
