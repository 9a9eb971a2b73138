/**
 * A demand trace as CSV, for `debug-host autoscaler replay`: the header `seconds,demand`,
 * then one row per sample, seconds since the start at a fixed step, demand the active
 * containers cluster-wide. Pure; every error names the line, what is wrong and the fix.
 */
import { DebugHostError } from '../domain/errors.js';
import type { ReplayTrace } from './replay.js';

export function parseDemandTrace(text: string, file = 'the trace'): ReplayTrace {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const bad = (line: number, what: string, fix: string) =>
    new DebugHostError('invalid_input', `${file} line ${line}: ${what}.`, { field: `line ${line}`, fix });
  if (lines.length === 0 || lines[0]!.trim().replace(/\s+/g, '') !== 'seconds,demand') {
    throw bad(1, `the header is ${JSON.stringify(lines[0] ?? '')}, not "seconds,demand"`, 'Start the file with the line: seconds,demand');
  }
  if (lines.length < 3) throw bad(lines.length, 'a trace needs at least two samples', 'Add rows of seconds,demand at a fixed step.');
  const seconds: number[] = [];
  const demand: number[] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = i + 1;
    const cells = lines[i]!.split(',').map((c) => c.trim());
    if (cells.length !== 2) throw bad(line, `${cells.length} fields in ${JSON.stringify(lines[i])}, 2 expected`, 'Write each row as seconds,demand, e.g. 30,12.');
    const [s, d] = cells.map(Number) as [number, number];
    if (cells[0] === '' || !Number.isFinite(s) || s < 0) throw bad(line, `seconds ${JSON.stringify(cells[0])} is not a number of at least 0`, 'Give the seconds since the start of the trace.');
    if (cells[1] === '' || !Number.isFinite(d) || d < 0) throw bad(line, `demand ${JSON.stringify(cells[1])} is not a number of at least 0`, 'Give the active containers cluster-wide at that time.');
    if (i === 1 && s !== 0) throw bad(line, `the first sample is at ${s} s, not 0`, 'Count seconds from the start of the trace: the first row is 0.');
    if (i >= 2) {
      const step = seconds[1] === undefined ? s - seconds[0]! : seconds[1]! - seconds[0]!;
      if (s - seconds[seconds.length - 1]! !== step || step <= 0) {
        throw bad(line, `${s} s does not follow ${seconds[seconds.length - 1]} s at the trace's step of ${step} s`, 'Use one fixed step between rows, with no gaps.');
      }
    }
    seconds.push(s);
    demand.push(d);
  }
  return { stepSeconds: seconds[1]! - seconds[0]!, demand: Float64Array.from(demand) };
}
