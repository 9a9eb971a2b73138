/** What a fault run prints: a JSON-able summary, and each violation with its history. */
import { RULES, type CheckResult, type Rule } from './checker.js';
import { rel } from './explain.js';
import type { History } from './history.js';

export interface Summary {
  readonly seed: number;
  readonly replay: string;
  readonly faultSeconds: number;
  readonly projects: number;
  readonly tenants: number;
  readonly operations: {
    readonly total: number;
    /** By kind, then outcome: ok, refused (fail) and indeterminate (info). */
    readonly byKind: Record<string, { ok: number; fail: number; info: number }>;
    /** Codes of the refused and indeterminate ones. */
    readonly codes: Record<string, number>;
  };
  readonly unavailableRetries: number;
  readonly faults: Record<string, number>;
  readonly samples: number;
  readonly violations: { readonly total: number; readonly byRule: Record<string, number> };
  readonly rule4Unverified: number;
  readonly pass: boolean;
}

export function summarize(h: History, result: CheckResult): Summary {
  const byKind: Summary['operations']['byKind'] = {};
  const codes: Record<string, number> = {};
  for (const op of h.operations) {
    const k = (byKind[op.kind] ??= { ok: 0, fail: 0, info: 0 });
    k[op.outcome.type] += 1;
    if (op.outcome.type !== 'ok') codes[`${op.outcome.type}:${op.outcome.code}`] = (codes[`${op.outcome.type}:${op.outcome.code}`] ?? 0) + 1;
  }
  const faults: Record<string, number> = {};
  for (const f of h.faults) faults[f.kind] = (faults[f.kind] ?? 0) + 1;
  const byRule: Record<string, number> = {};
  for (const rule of Object.keys(RULES)) byRule[`${rule}: ${RULES[Number(rule) as Rule]}`] = result.violations.filter((v) => v.rule === Number(rule)).length;
  return {
    seed: h.seed,
    replay: `CHAOS_SEED=${h.seed}`,
    faultSeconds: Math.round((h.faultsEndedAt - h.faultsStartedAt) / 1000),
    projects: h.projects.length,
    tenants: new Set(h.projects.map((p) => p.tenant)).size,
    operations: { total: h.operations.length, byKind, codes },
    unavailableRetries: h.unavailableRetries,
    faults,
    samples: h.samples.length,
    violations: { total: result.violations.length, byRule },
    rule4Unverified: result.unverified.length,
    pass: result.violations.length === 0,
  };
}

/** Every violation (at most `limit` per rule), with the project, times and relevant history. */
export function formatViolations(h: History, result: CheckResult, limit = 10): string {
  if (result.violations.length === 0) return 'no violations';
  const names = new Map(h.projects.map((p) => [p.projectId, `${p.tenant}/${p.name} (${p.kind})`]));
  const out: string[] = [];
  for (const rule of [1, 2, 3, 4, 5] as const) {
    const of = result.violations.filter((v) => v.rule === rule);
    if (of.length === 0) continue;
    out.push(`== rule ${rule} (${RULES[rule]}): ${of.length} violation(s)`);
    for (const v of of.slice(0, limit)) {
      out.push(`-- ${names.get(v.projectId) ?? ''} ${v.projectId} at ${rel(h, v.at)}${v.until !== undefined ? ` to ${rel(h, v.until)}` : ''}`, `   ${v.message}`, ...v.context.map((line) => `     ${line}`));
    }
    if (of.length > limit) out.push(`   … ${of.length - limit} more of rule ${rule} (all in the history file)`);
  }
  return out.join('\n');
}
