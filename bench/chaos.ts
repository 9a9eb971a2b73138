/**
 * `npm run bench:chaos`: the randomized fault run of test/integration/chaos.test.ts for longer
 * (CHAOS_DURATION_S, default 600 s of faults), printing a JSON summary on stdout: operations
 * by kind and outcome, retries after `unavailable`, faults by kind, violations by rule, the
 * seed. Violations with their history go to stderr; the whole history to a JSON file.
 *
 *   eval "$(scripts/services up postgres)"
 *   CHAOS_SEED=1234 CHAOS_DURATION_S=600 npm run bench:chaos
 *
 * CHAOS_RUNTIME_DIR runs the replicas from a snapshot instead of this tree (edits in progress
 * elsewhere in a shared tree then do not change what is measured):
 *   git archive HEAD runtime package.json tsconfig.json | tar -x -C DIR; ln -s $PWD/node_modules DIR/
 *   git rev-parse HEAD > DIR/.commit
 * CHAOS_HISTORY=<history.json> checks a recorded history again (no replicas), e.g. after a
 * change to the checker. No baseline or ratio: a fault run has no single-replica counterpart;
 * its target is zero violations. Exits 1 when there are violations.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { check } from '../test/integration/chaos/checker.js';
import type { History } from '../test/integration/chaos/history.js';
import { seedFromEnv } from '../test/integration/chaos/prng.js';
import { formatViolations, summarize } from '../test/integration/chaos/report.js';
import { runChaos } from '../test/integration/chaos/run.js';

if (process.env.CHAOS_HISTORY) {
  const history = JSON.parse(readFileSync(process.env.CHAOS_HISTORY, 'utf8')) as History;
  const result = check(history);
  process.stderr.write(`${formatViolations(history, result)}\n`);
  process.stdout.write(`${JSON.stringify({ benchmark: 'chaos', recheck: process.env.CHAOS_HISTORY, ...summarize(history, result) }, null, 2)}\n`);
  process.exit(result.violations.length ? 1 : 0);
}

const seed = seedFromEnv();
const durationS = Number(process.env.CHAOS_DURATION_S ?? 600);
if (!Number.isFinite(durationS) || durationS <= 0) throw new Error(`CHAOS_DURATION_S must be a positive number of seconds, not '${process.env.CHAOS_DURATION_S}'`);
const began = performance.now();
const run = await runChaos({
  seed,
  durationMs: durationS * 1000,
  tenants: Number(process.env.CHAOS_TENANTS ?? 3),
  projectsPerTenant: Number(process.env.CHAOS_PROJECTS_PER_TENANT ?? 3),
});
process.stderr.write(`${formatViolations(run.history, run.result)}\n`);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'chaos',
      runtime: run.runtime,
      ...run.summary,
      target: { violations: 0, pass: run.summary.pass },
      wallSeconds: Math.round((performance.now() - began) / 1000),
      machine: { loadavgAtEnd: loadavg().map((v) => Number(v.toFixed(2))) },
      historyFile: run.historyFile,
    },
    null,
    2,
  )}\n`,
);
process.exit(run.summary.pass ? 0 : 1);
