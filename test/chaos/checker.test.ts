/**
 * The fault run's checker over hand-made histories: a clean one passes, and each rule fails
 * on the history that breaks it (and not on its near miss).
 */
import { describe, expect, it } from 'vitest';
import { check, type Rule } from '../integration/chaos/checker.js';
import { emptyHistory, type History, type JournalEvent, type Operation, type Outcome, type Sample } from '../integration/chaos/history.js';

const P = 'p-1';
const T0 = 1_000_000;
const at = (ms: number): number => T0 + ms;
const iso = (ms: number): string => new Date(at(ms)).toISOString();

let nextId = 1;
function op(kind: Operation['kind'], from: number, to: number, outcome: Outcome, extra: Partial<Operation> = {}): Operation {
  return { id: nextId++, client: 'c0', tenant: 't', projectId: P, kind, replica: 'r1', attempt: 1, invokedAt: at(from), completedAt: at(to), outcome, ...extra };
}
const ok = (pid?: number, stoppedAtMs?: number): Outcome => ({ type: 'ok', state: pid ? 'starting' : 'stopped', pid, ...(stoppedAtMs !== undefined ? { stoppedAt: iso(stoppedAtMs) } : {}) });

/** Samples every 200 ms over [from, to) showing these pgids. */
function samples(from: number, to: number, pgids: number[]): Sample[] {
  const out: Sample[] = [];
  for (let t = from; t < to; t += 200) out.push({ at: at(t), groups: pgids.length ? { [P]: pgids } : {} });
  return out;
}

let eventId = 1;
const ev = (type: string, ms: number, fields: Partial<JournalEvent> = {}): JournalEvent => ({ id: eventId++, projectId: P, type, at: at(ms), ...fields });

/**
 * The clean history: started at 0-100 ms (pid 100, run A), seen 200-4999 ms, stopped at
 * 5000-5100 ms (release at 5050), nothing after; final status stopped; no orphans.
 */
function clean(): History {
  nextId = 1;
  eventId = 1;
  const h = emptyHistory(42, T0);
  h.projects.push({ projectId: P, tenant: 't', name: 'web-0', kind: 'web' });
  h.operations.push(op('start', 0, 100, ok(100)), op('stop', 5000, 5100, ok(undefined, 5050)));
  h.samples.push(...samples(200, 5000, [100]), ...samples(5200, 9000, []));
  h.journal.push(
    ev('project.starting', 10, { runId: 'run-a', owner: 'r1' }),
    ev('project.started', 20, { runId: 'run-a', pid: 100 }),
    ev('project.stopped', 5050, { runId: 'run-a', reason: 'requested' }),
  );
  h.finals.push({ projectId: P, at: at(9000), state: 'stopped', stopReason: 'requested' });
  h.finalSample = { at: at(9000), groups: {} };
  h.orphanSample = { at: at(20_000), groups: {} };
  h.faultsEndedAt = at(8000);
  return h;
}

const rules = (h: History): Rule[] => check(h).violations.map((v) => v.rule);

describe('the fault run checker', () => {
  it('passes a clean history', () => {
    expect(check(clean())).toEqual({ violations: [], unverified: [] });
  });

  it('rule 1: two live process groups of one project at one sample, one violation per episode', () => {
    const h = clean();
    h.samples.push({ at: at(3000), groups: { [P]: [100, 200] } }, { at: at(3100), groups: { [P]: [100, 200] } });
    const result = check(h);
    expect(result.violations.map((v) => v.rule)).toEqual([1]);
    expect(result.violations[0]!.message).toMatch(/2 live process groups at once in 2 sample\(s\), t\+3\.000 to t\+3\.100 \(pgids seen: 100, 200\)/);
    expect(result.violations[0]!.context.join('\n')).toMatch(/op #1 c0 start via r1: ok/);
  });

  it('rule 1: a takeover crash-looping beside a survivor is one episode, not one per sample', () => {
    const h = clean();
    for (const t of [3000, 3400, 3800, 4200]) h.samples.push({ at: at(t), groups: { [P]: [100, t] } });
    h.samples.sort((a, b) => a.at - b.at);
    const result = check(h);
    expect(result.violations.map((v) => v.rule)).toEqual([1]);
    expect(result.violations[0]!.message).toMatch(/in 4 sample\(s\), t\+3\.000 to t\+4\.200 \(pgids seen: 100, 3000, 3400, 3800, 4200\)/);
  });

  it('rule 2: an acknowledged start whose process was never seen and whose run records no reason', () => {
    const h = clean();
    h.operations.push(op('start', 10_000, 10_100, ok(300)));
    h.journal.push(ev('project.starting', 10_010, { runId: 'run-b' }), ev('project.started', 10_020, { runId: 'run-b', pid: 300 }));
    h.samples.push(...samples(10_200, 12_000, []));
    h.finals[0] = { projectId: P, at: at(12_000), state: 'stopped' };
    expect(rules(h)).toContain(2);
    expect(check(h).violations.find((v) => v.rule === 2)!.message).toMatch(/start acknowledged at t\+10\.100 with pid 300 \(run run-b\).*no end that explains it/);
  });

  it('rule 2 accepts a start whose run crashed out with a reason, or that a stop ended before any sample', () => {
    const crashed = clean();
    crashed.operations.push(op('start', 10_000, 10_100, ok(300)));
    crashed.journal.push(ev('project.started', 10_020, { runId: 'run-b', pid: 300 }), ev('project.crashed', 10_050, { runId: 'run-b', reason: 'crashed with exit code 1; gave up after 5 restarts' }));
    expect(check(crashed).violations.filter((v) => v.rule === 2)).toEqual([]);

    const stoppedAtOnce = clean();
    stoppedAtOnce.operations.push(op('start', 10_000, 10_100, ok(300)), op('stop', 10_110, 10_150, ok(undefined, 10_140)));
    stoppedAtOnce.samples.push({ at: at(10_200), groups: {} });
    expect(check(stoppedAtOnce).violations.filter((v) => v.rule === 2)).toEqual([]);

    // kill -9 of its owner 50 ms after the ack: the process keeper ended it before any sample.
    const fenced = clean();
    fenced.operations.push(op('start', 10_000, 10_100, ok(300)));
    fenced.journal.push(ev('project.starting', 10_010, { runId: 'run-b', owner: 'r2' }), ev('project.started', 10_020, { runId: 'run-b', pid: 300 }));
    fenced.samples.push({ at: at(10_200), groups: {} });
    fenced.faults.push({ kind: 'kill', target: 'r2', startedAt: at(10_150), healedAt: at(12_000) });
    expect(check(fenced).violations.filter((v) => v.rule === 2)).toEqual([]);
    fenced.faults[0] = { ...fenced.faults[0]!, target: 'r1' };
    expect(check(fenced).violations.filter((v) => v.rule === 2)).toHaveLength(1);
  });

  it('rule 3: a process group that ran before the stop and is still seen after its acknowledgement', () => {
    const h = clean();
    h.samples.splice(0, h.samples.length, ...samples(200, 6200, [100]), ...samples(6200, 9000, []));
    const result = check(h);
    expect(result.violations.map((v) => v.rule)).toContain(3);
    expect(result.violations.find((v) => v.rule === 3)!.message).toMatch(/process group 100 ran since t\+0\.200, before the stop was invoked, and was still seen at t\+6\.000/);
  });

  it('rule 3: a survivor of many stops is one violation that counts them', () => {
    const h = clean();
    h.operations.push(op('start', 6000, 6100, ok(200)), op('stop', 7000, 7100, ok(undefined, 7050)));
    h.journal.push(ev('project.started', 6050, { runId: 'run-b', pid: 200 }), ev('project.stopped', 7050, { runId: 'run-b', reason: 'requested' }));
    h.samples.splice(0, h.samples.length, ...samples(200, 6200, [100]), ...samples(6200, 7000, [100, 200]), ...samples(7000, 8000, [100]), ...samples(8000, 9000, []));
    const third = check(h).violations.filter((v) => v.rule === 3);
    expect(third).toHaveLength(1);
    expect(third[0]!.message).toMatch(/process group 100 .* after 2 acknowledged stop\(s\)\/restart\(s\), the first acknowledged at t\+5\.100/);
  });

  it('rule 3: a pgid seen again after a sample without it is another process (pids wrap)', () => {
    const h = clean();
    // pid 100 comes back much later as a new run of the same project, started and left running.
    h.operations.push(op('start', 30_000, 30_100, ok(100)));
    h.journal.push(ev('project.starting', 30_010, { runId: 'run-z' }), ev('project.started', 30_020, { runId: 'run-z', pid: 100 }));
    h.samples.push(...samples(30_200, 31_000, [100]));
    h.finals[0] = { projectId: P, at: at(31_000), state: 'running', pid: 100 };
    h.finalSample = { at: at(31_000), groups: { [P]: [100] } };
    expect(check(h).violations).toEqual([]);
  });

  it('rule 3: a process of the stopped run that appeared during the stop (a takeover) and outlived it', () => {
    const h = clean();
    // Run A resumed elsewhere as pid 150 while the stop ran.
    h.journal.push(ev('project.started', 5020, { runId: 'run-a', pid: 150 }));
    h.journal.sort((a, b) => a.at - b.at);
    h.samples.push({ at: at(5060), groups: { [P]: [150] } }, { at: at(6000), groups: { [P]: [150] } });
    expect(check(h).violations.find((v) => v.rule === 3)?.message).toMatch(/process group 150 is of run run-a, claimed before the stop's release/);
  });

  it('rule 3 leaves alone a process that dies within the tolerance, and the new run of a restart', () => {
    const late = clean();
    late.samples.push({ at: at(5300), groups: { [P]: [100] } });
    expect(rules(late)).not.toContain(3);

    const restarted = clean();
    restarted.operations.push(op('restart', 10_000, 10_200, ok(400)));
    restarted.journal.push(ev('project.starting', 10_100, { runId: 'run-c' }), ev('project.started', 10_150, { runId: 'run-c', pid: 400 }));
    restarted.samples.push(...samples(10_300, 12_000, [400]));
    restarted.finals[0] = { projectId: P, at: at(12_000), state: 'running', pid: 400 };
    restarted.finalSample = { at: at(12_000), groups: { [P]: [400] } };
    expect(check(restarted).violations).toEqual([]);
  });

  it('rule 4: a final state that contradicts the last acknowledged operation', () => {
    const h = clean();
    h.finals[0] = { projectId: P, at: at(9000), state: 'running', pid: 100 };
    h.finalSample = { at: at(9000), groups: { [P]: [100] } };
    const result = check(h);
    expect(result.violations.map((v) => v.rule)).toContain(4);
    expect(result.violations.find((v) => v.rule === 4)!.message).toMatch(/last acknowledged: stop \(op #2, t\+5\.100\), so stopped; host\.status says running pid 100/);
  });

  it('rule 4: running is not enough when two process groups run, or none', () => {
    const h = clean();
    h.operations.push(op('start', 10_000, 10_100, ok(300)));
    h.journal.push(ev('project.started', 10_020, { runId: 'run-b', pid: 300 }));
    h.samples.push(...samples(10_200, 11_000, [300]));
    h.finals[0] = { projectId: P, at: at(12_000), state: 'running', pid: 300 };
    h.finalSample = { at: at(12_000), groups: {} };
    expect(check(h).violations.find((v) => v.rule === 4)?.message).toMatch(/so running; host\.status says running pid 300, with 0 live process group/);
  });

  it('rule 4 does not judge a project when an indeterminate operation may have acted after the last acknowledged one', () => {
    const h = clean();
    h.operations.push(op('start', 6000, 21_000, { type: 'info', code: 'timeout', message: 'The operation was aborted due to timeout' }));
    h.finals[0] = { projectId: P, at: at(30_000), state: 'running', pid: 500 };
    h.finalSample = { at: at(30_000), groups: { [P]: [500] } };
    const result = check(h);
    expect(result.violations.filter((v) => v.rule === 4)).toEqual([]);
    expect(result.unverified).toEqual([{ projectId: P, reason: expect.stringMatching(/indeterminate op #3 \(start, t\+6\.000\) may have taken effect/) }]);
  });

  it('rule 4 accepts either state when the last acknowledged operations overlap', () => {
    const h = clean();
    h.operations.push(op('start', 4900, 5150, ok(100)));
    expect(check(h).violations.filter((v) => v.rule === 4)).toEqual([]);
  });

  it('rule 5: a project process alive after every replica was stopped', () => {
    const h = clean();
    h.orphanSample = { at: at(20_000), groups: { [P]: [777] } };
    const result = check(h);
    expect(result.violations.map((v) => v.rule)).toEqual([5]);
    expect(result.violations[0]!.message).toMatch(/1 process group\(s\) \(777\) still alive at t\+20\.000, after every replica was stopped/);
    expect(result.violations[0]!.context[0]).toMatch(/pgid 777: no project.started event names this pid/);
  });
});
