/**
 * The spill file of a project's log (logs/spill-file.ts): appends within its budget, reads
 * back oldest first, forgets what the store took, rewrites itself for room, and loads what a
 * previous life left (a torn last record cut away, shutdown's out-of-order lines put in place).
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../../runtime/src/domain/types.js';
import { SpillBudget, SpillFile, spillDirFor, spillPathFor } from '../../runtime/src/logs/spill-file.js';

const dir = mkdtempSync(join(tmpdir(), 'log-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
const path = () => join(dir, `p${++files}.jsonl`);
const line = (seq: number, message = `line ${seq}`): LogLine => ({ projectId: 'p', runId: 'r', seq, ts: new Date(Date.UTC(2026, 0, 1) + seq), stream: 'stdout', level: 'info', message });
const lines = (from: number, to: number): LogLine[] => Array.from({ length: to - from + 1 }, (_, i) => line(from + i));
const recordBytes = (l: LogLine) => Buffer.byteLength(`${JSON.stringify({ tenantId: 'acme', projectId: l.projectId, runId: l.runId, seq: l.seq, ts: l.ts.toISOString(), stream: l.stream, level: l.level, message: l.message })}\n`);

describe('a log spill file', () => {
  it('reads back what it was given, oldest first, as JSON lines with the tenant', () => {
    const file = new SpillFile(path(), 'acme', new SpillBudget(1 << 20, 1 << 20));
    expect(file.append(lines(1, 10))).toBe(10);
    expect(file.head(4)).toEqual(lines(1, 4));
    expect(file.headSeq).toBe(1);
    expect(JSON.parse(readFileSync(file.path, 'utf8').split('\n')[0]!)).toMatchObject({ tenantId: 'acme', projectId: 'p', seq: 1, message: 'line 1' });
    file.dropThrough(4);
    expect(file.lines).toBe(6);
    expect(file.headSeq).toBe(5);
    expect(file.head(100)).toEqual(lines(5, 10));
    file.dropThrough(10);
    expect(file.lines).toBe(0);
    expect(existsSync(file.path)).toBe(false);
  });

  it('takes only the oldest lines that fit its own cap and the replica-wide one', () => {
    const one = recordBytes(line(1));
    const budget = new SpillBudget(5 * one, 8 * one);
    const a = new SpillFile(path(), 'acme', budget);
    const b = new SpillFile(path(), 'acme', budget);
    expect(a.append(lines(1, 9))).toBe(5);
    expect(a.head(10)).toEqual(lines(1, 5));
    expect(b.append(lines(1, 9))).toBe(3);
    expect(budget.used).toBe(8 * one);
    expect(statSync(a.path).size + statSync(b.path).size).toBe(budget.used);
    b.clear();
    expect(budget.used).toBe(5 * one);
  });

  it('rewrites itself without the stored part when an append needs the room', () => {
    const one = recordBytes(line(1));
    const budget = new SpillBudget(4 * one, 100 * one);
    const file = new SpillFile(path(), 'acme', budget);
    expect(file.append(lines(1, 4))).toBe(4);
    file.dropThrough(2);
    expect(file.append(lines(5, 6))).toBe(2);
    expect(file.bytes).toBe(4 * one);
    expect(budget.used).toBe(4 * one);
    expect(file.head(10)).toEqual(lines(3, 6));
  });

  it('reads a line longer than its read chunk', () => {
    const file = new SpillFile(path(), 'acme', new SpillBudget(1 << 22, 1 << 22));
    const long = line(1, 'x'.repeat(200_000));
    file.append([long, line(2)]);
    expect(file.head(2)).toEqual([long, line(2)]);
  });

  it('loads a previous life\'s file: cuts a torn last record, skips an unreadable one, puts shutdown\'s lines in seq order', () => {
    const budget = new SpillBudget(1 << 20, 1 << 20);
    const first = new SpillFile(path(), 'acme', budget);
    first.append([...lines(1, 3), ...lines(7, 8)]);
    first.append([{ ...line(4), stream: 'system', message: '3 log lines were dropped (seq 4-6): ...' }]);
    first.close();
    appendFileSync(first.path, '{"tenantId":"acme","seq":9,"mess');
    const reload = new SpillBudget(1 << 20, 1 << 20);
    const loaded = SpillFile.load(first.path, reload)!;
    expect(loaded).toMatchObject({ projectId: 'p', lastSeq: 8 });
    expect(loaded.file.tenantId).toBe('acme');
    expect(loaded.file.head(10).map((l) => l.seq)).toEqual([1, 2, 3, 4, 7, 8]);
    expect(reload.used).toBe(loaded.file.bytes);

    const torn = path();
    writeFileSync(torn, `not json\n${JSON.stringify({ tenantId: 'acme', projectId: 'p', runId: 'r', seq: 5, ts: new Date().toISOString(), stream: 'stdout', level: 'info', message: 'five' })}\n`);
    const skipped = SpillFile.load(torn, new SpillBudget(1 << 20, 1 << 20))!;
    expect(skipped.file.head(10).map((l) => l.message)).toEqual(['five']);
    expect(SpillFile.load((writeFileSync(join(dir, 'empty.jsonl'), ''), join(dir, 'empty.jsonl')), new SpillBudget(1, 1))).toBeUndefined();
  });

  it('lives under <dataDir>/log-spill/<replica>/<project>.jsonl', () => {
    expect(spillDirFor('/var/lib/debug-host', 'debug-host-7d9f/0')).toBe('/var/lib/debug-host/log-spill/debug-host-7d9f_0');
    expect(spillPathFor('/d', '0b7c-1')).toBe('/d/0b7c-1.jsonl');
    expect(SpillFile.list(join(dir, 'missing'))).toEqual([]);
  });
});
