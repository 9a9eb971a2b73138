/**
 * The relevant history of a violation, as lines a person can read: the project's operations,
 * the faults and the runtime's journal around it, in time order, with times relative to the
 * start of the run (`t+12.345`). Pure formatting over a history.
 */
import type { Fault, History, JournalEvent, Operation, Outcome } from './history.js';

export const rel = (h: Pick<History, 'startedAt'>, at: number): string => `t+${((at - h.startedAt) / 1000).toFixed(3)}`;

export function outcomeText(outcome: Outcome): string {
  switch (outcome.type) {
    case 'ok':
      return `ok (${outcome.state ?? '?'}${outcome.pid !== undefined ? `, pid ${outcome.pid}` : ''})`;
    case 'fail':
      return `refused ${outcome.code}: ${outcome.message.slice(0, 120)}`;
    case 'info':
      return `indeterminate ${outcome.code}: ${outcome.message.slice(0, 120)}`;
  }
}

export function opLine(h: History, op: Operation): string {
  return `${rel(h, op.invokedAt)} → ${rel(h, op.completedAt)}  op #${op.id} ${op.client} ${op.kind} via ${op.replica}${op.attempt > 1 ? ` (attempt ${op.attempt})` : ''}: ${outcomeText(op.outcome)}`;
}

export function faultLine(h: History, f: Fault): string {
  const end = f.healedAt !== undefined ? ` – ${rel(h, f.healedAt)}` : '';
  return `${rel(h, f.startedAt)}${end}  fault ${f.kind} ${f.target}${f.note ? ` (${f.note})` : ''}`;
}

export function eventLine(h: History, e: JournalEvent): string {
  const facts = [e.runId ? `run ${e.runId.slice(0, 8)}` : '', e.pid !== undefined ? `pid ${e.pid}` : '', e.owner ? `owner ${e.owner}` : '', e.reason ? `'${e.reason}'` : ''].filter(Boolean).join(' ');
  return `${rel(h, e.at)}  journal #${e.id} ${e.type}${facts ? ` ${facts}` : ''}`;
}

/** Operations, faults and journal events of one project that touch [from, to], oldest first, at most `limit` lines. */
export function contextLines(h: History, projectId: string, from: number, to: number, limit = 40): string[] {
  const rows: Array<{ at: number; line: string }> = [];
  for (const op of h.operations) {
    if (op.projectId === projectId && op.completedAt >= from && op.invokedAt <= to) rows.push({ at: op.invokedAt, line: opLine(h, op) });
  }
  for (const f of h.faults) {
    if (f.startedAt <= to && (f.recoveredAt ?? f.healedAt ?? f.startedAt) >= from) rows.push({ at: f.startedAt, line: faultLine(h, f) });
  }
  for (const e of h.journal) {
    if (e.projectId === projectId && e.at >= from && e.at <= to) rows.push({ at: e.at, line: eventLine(h, e) });
  }
  rows.sort((a, b) => a.at - b.at);
  if (rows.length <= limit) return rows.map((r) => r.line);
  // Keep the end, where the violation shows, and say what was left out.
  return [`… ${rows.length - limit} earlier lines left out`, ...rows.slice(-limit).map((r) => r.line)];
}

/** Where a process group came from, by the journal: its run, the claim's owner, handovers, its end. */
export function runLines(h: History, projectId: string, pgid: number): string[] {
  const started = h.journal.find((e) => e.projectId === projectId && e.type === 'project.started' && e.pid === pgid);
  if (!started?.runId) return [`pgid ${pgid}: no project.started event names this pid (a run whose start was never recorded)`];
  const ofRun = h.journal.filter((e) => e.projectId === projectId && e.runId === started.runId && e.type !== 'project.ready');
  // Handovers name no run: those of the project between this run's first and last event.
  const [first, last] = [ofRun[0]?.id ?? 0, ofRun.at(-1)?.id ?? 0];
  const handovers = h.journal.filter((e) => e.projectId === projectId && e.type === 'project.handed_over' && e.id > first && e.id < last);
  const lines = [...ofRun, ...handovers].sort((a, b) => a.id - b.id).map((e) => `  ${eventLine(h, e)}`);
  return [`pgid ${pgid} is of run ${started.runId.slice(0, 8)}:`, ...lines.slice(0, 12)];
}
