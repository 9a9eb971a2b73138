/**
 * `debug-host autoscaler replay --trace FILE [--json]`: replays a demand trace through the
 * HPA alone, the HPA under the leader's predictive floor, and an oracle that knows demand one
 * ready-delay ahead, and prints their figures (autoscaler/replay.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseAutoscalerConfig } from '../autoscaler/config.js';
import { replay, type ReplayOptions, type ReplayResult } from '../autoscaler/replay.js';
import { parseDemandTrace } from '../autoscaler/trace-csv.js';
import { DebugHostError } from '../domain/errors.js';
import { parse, str } from './args.js';

const USAGE = `
Usage: debug-host autoscaler replay --trace FILE [options]

Replays a demand trace (CSV with the header seconds,demand: seconds since the start at a
fixed step, active containers cluster-wide) through three policies: hpa (the Kubernetes HPA
with its defaults), predictive (the same HPA with the leader moving its floor) and oracle
(knows demand one ready-delay ahead), and prints replicaMinutes, violationMinutes,
scalingActions and, for predictive, floorRaises and how many were followed by the demand
they expected.

Options:
  --trace <file>       The trace (required)
  --per-pod <n>        Active containers one pod serves (default 10)
  --min <n>            Minimum replicas (default 3)
  --max <n>            Maximum replicas (default 20)
  --ready-delay <s>    Seconds from a pod's creation to its readiness (default 90)
  --sync <s>           The HPA controller's sync period in seconds (default 15)
  --json               One JSON object { "policies": { "hpa", "predictive", "oracle" } }
`;

const number = (flag: string, value: string | undefined, fallback: number, integer: boolean): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new DebugHostError('invalid_input', `--${flag} ${JSON.stringify(value)} is not a ${integer ? 'whole ' : ''}number over 0.`, { field: flag, fix: `Pass e.g. --${flag} ${fallback}.` });
  }
  return n;
};

export interface PolicyFigures {
  readonly replicaMinutes: number;
  readonly violationMinutes: number;
  readonly scalingActions: number;
  readonly floorRaises?: number;
  readonly floorRaisesFollowedByDemand?: number;
}

const round = (v: number) => Math.round(v * 100) / 100;
const figures = (r: ReplayResult): PolicyFigures => ({
  replicaMinutes: round(r.podMinutes),
  violationMinutes: round(r.sloViolationMinutes),
  scalingActions: r.scalingActions,
  ...(r.floor ? { floorRaises: r.floor.raises, floorRaisesFollowedByDemand: r.floor.raisesFollowedByDemand } : {}),
});

export async function autoscalerCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'replay') {
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(`${USAGE.trim()}\n`);
      return;
    }
    process.stderr.write(`Unknown autoscaler command '${sub}'.\n\n${USAGE.trim()}\n`);
    process.exit(2);
  }
  const { values } = parse(rest, {
    trace: { type: 'string' },
    'per-pod': { type: 'string' },
    min: { type: 'string' },
    max: { type: 'string' },
    'ready-delay': { type: 'string' },
    sync: { type: 'string' },
    json: { type: 'boolean' },
  }, USAGE);
  const file = str(values.trace);
  if (!file) throw new DebugHostError('invalid_input', 'autoscaler replay needs --trace FILE.', { field: 'trace', fix: 'Pass --trace with a CSV file whose header is seconds,demand.' });
  const options: ReplayOptions = {
    perPod: number('per-pod', str(values['per-pod']), 10, false),
    minReplicas: number('min', str(values.min), 3, true),
    maxReplicas: number('max', str(values.max), 20, true),
    podStartSeconds: number('ready-delay', str(values['ready-delay']), 90, true),
    syncSeconds: number('sync', str(values.sync), 15, true),
  };
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new DebugHostError('invalid_input', `Cannot read --trace ${file}: ${error.code ?? error.message}.`, { field: 'trace', fix: 'Pass the path of an existing CSV file.' });
  });
  const trace = parseDemandTrace(text, file);
  const config = parseAutoscalerConfig({
    minReplicas: options.minReplicas,
    maxReplicas: options.maxReplicas,
    perPodTarget: options.perPod,
    podStartSeconds: options.podStartSeconds,
    hpaSyncSeconds: options.syncSeconds,
  });
  const policies = {
    hpa: figures(replay(trace, { kind: 'hpa' }, options)),
    predictive: figures(replay(trace, { kind: 'predictive', config }, options)),
    oracle: figures(replay(trace, { kind: 'oracle' }, options)),
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ policies })}\n`);
    return;
  }
  const samples = trace.demand.length;
  const lines = [`${file}: ${samples} samples at ${trace.stepSeconds} s (${round((samples * trace.stepSeconds) / 3600)} h), ${options.perPod} per pod, ${options.minReplicas}-${options.maxReplicas} replicas, ready after ${options.podStartSeconds} s, HPA sync ${options.syncSeconds} s`];
  for (const [name, f] of Object.entries(policies)) {
    const floor = f.floorRaises === undefined ? '' : `  floorRaises ${f.floorRaises} (${f.floorRaisesFollowedByDemand} followed by the demand they expected)`;
    lines.push(`${name.padEnd(10)} replicaMinutes ${f.replicaMinutes}  violationMinutes ${f.violationMinutes}  scalingActions ${f.scalingActions}${floor}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
