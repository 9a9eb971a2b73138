/**
 * What a benchmark phase measured: per-tool latency percentiles (successful calls), success
 * rate and error codes, and the machine's load average sampled while it ran.
 */
import { cpus, loadavg } from 'node:os';
import type { CallOutcome } from './mcp.js';
import { percentile, round } from '../stats.js';

export interface ToolStats {
  calls: number;
  ok: number;
  successRate: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors?: Record<string, number>;
  /** The first message seen for each error code. */
  errorSamples?: Record<string, string>;
}

export class Recorder {
  private readonly byTool = new Map<string, { ms: number[]; calls: number; errors: Map<string, number>; samples: Map<string, string> }>();

  add(outcome: CallOutcome): CallOutcome {
    const entry = this.byTool.get(outcome.tool) ?? { ms: [], calls: 0, errors: new Map<string, number>(), samples: new Map<string, string>() };
    this.byTool.set(outcome.tool, entry);
    entry.calls += 1;
    if (outcome.ok) entry.ms.push(outcome.ms);
    else {
      entry.errors.set(outcome.code, (entry.errors.get(outcome.code) ?? 0) + 1);
      const message = (outcome.data.error as { message?: unknown } | undefined)?.message;
      if (!entry.samples.has(outcome.code) && typeof message === 'string') entry.samples.set(outcome.code, message.slice(0, 200));
    }
    return outcome;
  }

  latencies(tool?: string): number[] {
    const all = tool ? (this.byTool.get(tool)?.ms ?? []) : [...this.byTool.values()].flatMap((e) => e.ms);
    return [...all].sort((a, b) => a - b);
  }

  summary(): { tools: Record<string, ToolStats>; all: ToolStats } {
    const tools: Record<string, ToolStats> = {};
    for (const [tool, e] of [...this.byTool.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      tools[tool] = { ...stats(e.ms, e.calls, e.errors), ...(e.samples.size ? { errorSamples: Object.fromEntries(e.samples) } : {}) };
    }
    const errors = new Map<string, number>();
    for (const e of this.byTool.values()) for (const [code, n] of e.errors) errors.set(code, (errors.get(code) ?? 0) + n);
    const calls = [...this.byTool.values()].reduce((n, e) => n + e.calls, 0);
    return { tools, all: stats(this.latencies(), calls, errors) };
  }
}

function stats(ms: readonly number[], calls: number, errors: Map<string, number>): ToolStats {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    calls,
    ok: sorted.length,
    successRate: round(calls ? sorted.length / calls : Number.NaN, 4),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    ...(errors.size ? { errors: Object.fromEntries(errors) } : {}),
  };
}

/** Samples the 1-minute load average every few seconds while a phase runs. */
export class LoadSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 2000) {
    this.samples.push(loadavg()[0]!);
    this.timer = setInterval(() => this.samples.push(loadavg()[0]!), everyMs);
  }

  stop(): { cores: number; loadavg1mMean: number; loadavg1mMax: number; loadavgAtEnd: number[] } {
    clearInterval(this.timer);
    this.samples.push(loadavg()[0]!);
    return {
      cores: cpus().length,
      loadavg1mMean: round(this.samples.reduce((a, b) => a + b, 0) / this.samples.length, 2),
      loadavg1mMax: round(Math.max(...this.samples), 2),
      loadavgAtEnd: loadavg().map((v) => round(v, 2)),
    };
  }
}

/** `a / b` per shared numeric key, rounded: the cluster-to-baseline ratios. */
export function ratio(a: number, b: number): number {
  return round(a / b, 2);
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
};
