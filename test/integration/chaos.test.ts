/**
 * The randomized fault run, bounded for CI: three replicas on the real PostgreSQL, clients
 * starting, stopping and restarting projects of three tenants while a nemesis kills -9,
 * SIGSTOPs, partitions from the database and SIGTERM-restarts replicas, one at a time. The
 * history is then checked (test/integration/chaos/checker.ts); any violation fails the test.
 * The seed is printed; `CHAOS_SEED=<n>` replays the same fault schedule, `CHAOS_DURATION_S`
 * changes the fault time (150 s here; `npm run bench:chaos` runs 600 s).
 */
import { describe, expect, it } from 'vitest';
import { seedFromEnv } from './chaos/prng.js';
import { formatViolations } from './chaos/report.js';
import { runChaos } from './chaos/run.js';

const DURATION_S = Number(process.env.CHAOS_DURATION_S ?? 150);

describe('a randomized fault run (kill -9, SIGSTOP, a cut from PostgreSQL, SIGTERM) over three replicas', () => {
  it('keeps one owner per run: one process group per project, acknowledged starts ran and stops stopped, final states as acknowledged, no orphans', async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up postgres)"` before `npm run test:integration`.');
    const seed = seedFromEnv();
    const run = await runChaos({ seed, durationMs: DURATION_S * 1000 });
    const report = formatViolations(run.history, run.result);
    process.stderr.write(`chaos summary: ${JSON.stringify(run.summary, null, 2)}\n${report}\nhistory: ${run.historyFile}\n`);
    expect(run.summary.operations.total).toBeGreaterThan(20);
    expect(Object.keys(run.summary.faults).length).toBeGreaterThan(0);
    const found = run.result.violations.map((v) => `rule ${v.rule} ${v.projectId}: ${v.message}`);
    expect(found, `seed ${seed} (replay with CHAOS_SEED=${seed}), history in ${run.historyFile}`).toEqual([]);
  }, (DURATION_S + 600) * 1000);
});
