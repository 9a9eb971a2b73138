/**
 * Checks a fault run's history, as a pure function of it (no clock, no I/O):
 * 1. at no sample did any project have two or more live process groups;
 * 2. every acknowledged start (or restart) ran: a process of its run was seen, or the run's
 *    record says why not (it crashed, was lost, or ended by itself), or a stop, or a fault of
 *    its owner (whose fence may end it), came before any sample could see it;
 * 3. every acknowledged stop stopped: no process group that ran before the stop was invoked,
 *    nor any process of a run the stop ended, is seen after its acknowledgement (a restart's
 *    new run is not a survivor);
 * 4. each project's final state (host.status and the processes) matches its last
 *    acknowledged operation, when no indeterminate operation may have taken effect after it;
 * 5. no process of the run's projects survives the replicas (SIGTERM, then SIGKILL).
 * Each violation carries the project, its times and the relevant history.
 */
import { contextLines, opLine, rel, runLines } from './explain.js';
import { expectedState, mayHaveApplied, type History, type JournalEvent, type Operation } from './history.js';

export type Rule = 1 | 2 | 3 | 4 | 5;

export const RULES: Readonly<Record<Rule, string>> = {
  1: 'no project has two live process groups at any sample',
  2: 'every acknowledged start ran, or its record says why not',
  3: 'every acknowledged stop stopped',
  4: 'the final state matches the last acknowledged operation',
  5: 'no project process survives the replicas',
};

export interface Violation {
  readonly rule: Rule;
  readonly projectId: string;
  readonly at: number;
  readonly until?: number;
  readonly message: string;
  readonly context: readonly string[];
}

export interface CheckOptions {
  /** A stopped process may still show this long after the acknowledgement. @default 250 */
  readonly stopToleranceMs?: number;
  /**
   * How long after its completion an indeterminate operation may still take effect (a call
   * left running on a paused owner; the client's timeout, a pause, the store's timeouts).
   * @default 20000
   */
  readonly indeterminateHorizonMs?: number;
}

export interface CheckResult {
  readonly violations: Violation[];
  /** Projects whose final state rule 4 could not judge, and why. */
  readonly unverified: Array<{ readonly projectId: string; readonly reason: string }>;
}

/**
 * One process group's life as the samples saw it: from the first sample that had it to the
 * last one before a sample without it. Pids wrap (pid_max is 32768 here): a pgid seen again
 * after a sample without it is another process.
 */
interface Life {
  readonly pgid: number;
  readonly first: number;
  last: number;
}

/** What the rules look up: process group lives, runs by pid, sample times. */
class Index {
  readonly lives = new Map<string, Life[]>();
  readonly sampleTimes: number[];
  readonly ops = new Map<string, Operation[]>();
  private readonly startedByPid = new Map<string, JournalEvent[]>();
  private readonly pidsByRun = new Map<string, number[]>();
  private readonly claims = new Map<string, JournalEvent>();
  private readonly ends = new Map<string, JournalEvent>();

  constructor(readonly h: History) {
    const samples = [...h.samples, ...(h.finalSample ? [h.finalSample] : [])].sort((a, b) => a.at - b.at);
    this.sampleTimes = samples.map((s) => s.at);
    const current = new Map<string, Map<number, Life>>();
    for (const sample of samples) {
      for (const { projectId } of h.projects) {
        const alive = current.get(projectId) ?? new Map<number, Life>();
        const next = new Map<number, Life>();
        for (const pgid of sample.groups[projectId] ?? []) {
          const life = alive.get(pgid) ?? { pgid, first: sample.at, last: sample.at };
          if (!alive.has(pgid)) this.lives.set(projectId, [...(this.lives.get(projectId) ?? []), life]);
          life.last = sample.at;
          next.set(pgid, life);
        }
        current.set(projectId, next);
      }
    }
    for (const op of [...h.operations].sort((a, b) => a.invokedAt - b.invokedAt)) {
      const list = this.ops.get(op.projectId) ?? [];
      list.push(op);
      this.ops.set(op.projectId, list);
    }
    for (const e of [...h.journal].sort((a, b) => a.id - b.id)) {
      if (!e.runId) continue;
      if (e.type === 'project.started' && e.pid !== undefined) {
        const key = `${e.projectId}:${e.pid}`;
        this.startedByPid.set(key, [...(this.startedByPid.get(key) ?? []), e]);
        this.pidsByRun.set(e.runId, [...(this.pidsByRun.get(e.runId) ?? []), e.pid]);
      }
      if (e.type === 'project.starting' && !this.claims.has(e.runId)) this.claims.set(e.runId, e);
      // A release carries a reason; a crash followed by a restart (backoff) does not.
      if (['project.stopped', 'project.crashed', 'project.lost'].includes(e.type) && e.reason !== undefined && !this.ends.has(e.runId)) this.ends.set(e.runId, e);
    }
  }

  /** The run that started `pid` around `near` (the process shows before its start is recorded; pids wrap). */
  runOf(projectId: string, pid: number, near: number): string | undefined {
    const events = this.startedByPid.get(`${projectId}:${pid}`) ?? [];
    const before = events.filter((e) => e.at <= near + 5000);
    return (before.at(-1) ?? events[0])?.runId;
  }

  pidsOf(runId: string): number[] {
    return this.pidsByRun.get(runId) ?? [];
  }

  claimOf(runId: string): JournalEvent | undefined {
    return this.claims.get(runId);
  }

  endOf(runId: string): JournalEvent | undefined {
    return this.ends.get(runId);
  }

  /** The first sample taken at or after `at`. */
  firstSampleAfter(at: number): number {
    let lo = 0;
    let hi = this.sampleTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sampleTimes[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return this.sampleTimes[lo] ?? Number.POSITIVE_INFINITY;
  }

  /** The release written by an acknowledged stop: same transaction, so the same now() as its stoppedAt. */
  releaseOf(stop: Operation): JournalEvent | undefined {
    if (stop.outcome.type !== 'ok' || !stop.outcome.stoppedAt) return undefined;
    const at = Date.parse(stop.outcome.stoppedAt);
    return this.h.journal.find((e) => e.projectId === stop.projectId && e.type === 'project.stopped' && e.at === at);
  }
}

export function check(h: History, options: CheckOptions = {}): CheckResult {
  const index = new Index(h);
  const unverified: CheckResult['unverified'] = [];
  const violations = [
    ...oneProcessGroup(index),
    ...startsRan(index),
    ...stopsStopped(index, options.stopToleranceMs ?? 250),
    ...finalStates(index, options.indeterminateHorizonMs ?? 20_000, unverified),
    ...noOrphans(index),
  ];
  return { violations, unverified };
}

/** Samples with one group or none for this long end an episode of rule 1. */
const EPISODE_GAP_MS = 2000;

/** Rule 1, one violation per episode (samples with two or more groups, less than EPISODE_GAP_MS apart). */
function oneProcessGroup({ h }: Index): Violation[] {
  const out: Violation[] = [];
  for (const { projectId } of h.projects) {
    let episode: { from: number; to: number; pgids: Set<number>; samples: number; most: number } | undefined;
    const close = (): void => {
      if (!episode) return;
      const pgids = [...episode.pgids];
      out.push({
        rule: 1,
        projectId,
        at: episode.from,
        until: episode.to,
        message: `${episode.most} live process groups at once in ${episode.samples} sample(s), ${rel(h, episode.from)} to ${rel(h, episode.to)} (pgids seen: ${pgids.join(', ')})`,
        context: [...contextLines(h, projectId, episode.from - 15_000, episode.to + 2000), ...pgids.flatMap((p) => runLines(h, projectId, p))],
      });
      episode = undefined;
    };
    for (const sample of [...h.samples, ...(h.finalSample ? [h.finalSample] : [])].sort((a, b) => a.at - b.at)) {
      const pgids = sample.groups[projectId] ?? [];
      if (pgids.length < 2) {
        // A takeover that crash-loops beside a survivor flickers: one episode until it has been quiet a while.
        if (episode && sample.at - episode.to > EPISODE_GAP_MS) close();
        continue;
      }
      episode ??= { from: sample.at, to: sample.at, pgids: new Set(), samples: 0, most: 0 };
      episode.to = sample.at;
      episode.samples += 1;
      episode.most = Math.max(episode.most, pgids.length);
      for (const p of pgids) episode.pgids.add(p);
    }
    close();
  }
  return out;
}

/** Rule 2. */
function startsRan(index: Index): Violation[] {
  const { h } = index;
  const out: Violation[] = [];
  for (const op of h.operations) {
    if (op.kind === 'stop' || op.outcome.type !== 'ok') continue;
    const pid = op.outcome.pid;
    const runId = pid !== undefined ? index.runOf(op.projectId, pid, op.completedAt) : undefined;
    const pids = new Set(runId ? index.pidsOf(runId) : pid !== undefined ? [pid] : []);
    if ((index.lives.get(op.projectId) ?? []).some((life) => pids.has(life.pgid) && life.last >= op.invokedAt)) continue;
    const end = runId ? index.endOf(runId) : undefined;
    // It ended by itself, crashed out or was lost: the record says why it is not running.
    if (end && !(end.type === 'project.stopped' && /^(requested|restart requested)$/.test(end.reason ?? ''))) continue;
    // Stopped (or restarted) before any sample could have seen it.
    const window = index.firstSampleAfter(op.completedAt);
    const stoppedSoon = (index.ops.get(op.projectId) ?? []).some(
      (x) => x !== op && x.kind !== 'start' && mayHaveApplied(x) && x.invokedAt <= window && x.completedAt >= op.invokedAt,
    );
    if (stoppedSoon) continue;
    // Its owner was killed, paused or cut off before any sample could see it: a fence (the
    // process keeper, the owner lease) may rightly have ended it; a takeover starts it again.
    const owner = runId ? index.claimOf(runId)?.owner : undefined;
    const fenced = h.faults.some((f) => f.kind !== 'postgres-outage' && (owner === undefined || f.target === owner) && f.startedAt >= op.invokedAt && f.startedAt <= window);
    if (fenced) continue;
    const what = pid === undefined ? 'without a pid' : `with pid ${pid}${runId ? ` (run ${runId.slice(0, 8)})` : ' (no project.started event names it)'}`;
    const why = end ? `its run ended ${end.type} '${end.reason}' at ${rel(h, end.at)}, by a stop that came later` : 'its run records no end that explains it';
    out.push({
      rule: 2,
      projectId: op.projectId,
      at: op.completedAt,
      message: `${op.kind} acknowledged at ${rel(h, op.completedAt)} ${what}, but no process of it was ever seen; ${why}`,
      context: contextLines(h, op.projectId, op.invokedAt - 10_000, op.completedAt + 10_000),
    });
  }
  return out;
}

/** Rule 3, one violation per surviving process group (with every stop it survived). */
function stopsStopped(index: Index, toleranceMs: number): Violation[] {
  const { h } = index;
  const survivors = new Map<string, { projectId: string; life: Life; stops: Operation[]; how: string }>();
  for (const op of h.operations) {
    if (op.kind === 'start' || op.outcome.type !== 'ok') continue;
    const release = op.kind === 'stop' ? index.releaseOf(op) : undefined;
    const newRun = op.kind === 'restart' && op.outcome.pid !== undefined ? index.runOf(op.projectId, op.outcome.pid, op.completedAt) : undefined;
    for (const life of index.lives.get(op.projectId) ?? []) {
      if (life.last <= op.completedAt + toleranceMs) continue;
      const runId = index.runOf(op.projectId, life.pgid, life.first);
      if (newRun !== undefined && runId === newRun) continue;
      const before = life.first < op.invokedAt;
      const claim = runId ? index.claimOf(runId) : undefined;
      const ofEndedRun = release !== undefined && claim !== undefined && claim.id < release.id;
      if (!before && !ofEndedRun) continue;
      const key = `${op.projectId}:${life.pgid}:${life.first}`;
      const entry = survivors.get(key) ?? {
        projectId: op.projectId,
        life,
        stops: [],
        how: before ? `ran since ${rel(h, life.first)}, before the ${op.kind} was invoked,` : `is of run ${runId?.slice(0, 8)}, claimed before the stop's release,`,
      };
      entry.stops.push(op);
      survivors.set(key, entry);
    }
  }
  return [...survivors.values()].map(({ projectId, life, stops, how }) => {
    const first = stops[0]!;
    const { pgid, last } = life;
    return {
      rule: 3 as const,
      projectId,
      at: first.completedAt,
      until: last,
      message: `process group ${pgid} ${how} and was still seen at ${rel(h, last)}, after ${stops.length} acknowledged stop(s)/restart(s), the first acknowledged at ${rel(h, first.completedAt)}`,
      context: [...contextLines(h, projectId, first.invokedAt - 10_000, first.completedAt + 5000), ...stops.slice(1, 6).map((s) => `also survived: ${opLine(h, s)}`), ...runLines(h, projectId, pgid)],
    };
  });
}

/** Rule 4. */
function finalStates(index: Index, horizonMs: number, unverified: CheckResult['unverified']): Violation[] {
  const { h } = index;
  const out: Violation[] = [];
  for (const { projectId } of h.projects) {
    const ops = index.ops.get(projectId) ?? [];
    const acked = ops.filter((o) => o.outcome.type === 'ok');
    if (acked.length === 0) {
      unverified.push({ projectId, reason: 'no acknowledged operation' });
      continue;
    }
    const last = acked.reduce((a, b) => (b.completedAt > a.completedAt ? b : a));
    const blocker = ops.find((o) => o.outcome.type === 'info' && o.completedAt + horizonMs > last.invokedAt);
    if (blocker) {
      unverified.push({ projectId, reason: `indeterminate op #${blocker.id} (${blocker.kind}, ${rel(h, blocker.invokedAt)}) may have taken effect after the last acknowledged one (#${last.id})` });
      continue;
    }
    // Acknowledged operations concurrent with the last one may be ordered after it.
    const candidates = acked.filter((o) => o.completedAt >= last.invokedAt);
    const expected = new Set(candidates.map((o) => expectedState(o.kind)));
    const final = h.finals.find((f) => f.projectId === projectId);
    const groups = h.finalSample?.groups[projectId] ?? [];
    const running = final?.state === 'running' && groups.length === 1 && groups[0] === final.pid;
    const stopped = final?.state === 'stopped' && groups.length === 0;
    if ((expected.has('running') && running) || (expected.has('stopped') && stopped)) continue;
    const status = final?.state
      ? `host.status says ${final.state}${final.stopReason ? ` ('${final.stopReason}')` : ''}${final.pid !== undefined ? ` pid ${final.pid}` : ''}${final.owner ? ` on ${final.owner}` : ''}`
      : `host.status could not be read (${final?.error ?? 'no final status'})`;
    out.push({
      rule: 4,
      projectId,
      at: final?.at ?? last.completedAt,
      message: `last acknowledged: ${last.kind} (op #${last.id}, ${rel(h, last.completedAt)}), so ${[...expected].join(' or ')}; ${status}, with ${groups.length} live process group(s)${groups.length ? ` (${groups.join(', ')})` : ''}`,
      context: [...contextLines(h, projectId, last.invokedAt - 20_000, final?.at ?? last.completedAt + 30_000), ...groups.flatMap((p) => runLines(h, projectId, p))],
    });
  }
  return out;
}

/** Rule 5. */
function noOrphans({ h }: Index): Violation[] {
  const sample = h.orphanSample;
  if (!sample) return [];
  return Object.entries(sample.groups)
    .filter(([, pgids]) => pgids.length > 0)
    .map(([projectId, pgids]) => ({
      rule: 5 as const,
      projectId,
      at: sample.at,
      message: `${pgids.length} process group(s) (${pgids.join(', ')}) still alive at ${rel(h, sample.at)}, after every replica was stopped`,
      context: [...pgids.flatMap((p) => runLines(h, projectId, p)), ...contextLines(h, projectId, h.faultsEndedAt - 30_000, sample.at, 15)],
    }));
}
