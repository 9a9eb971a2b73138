/** Log behaviour of the store; part of storeSuite, run on every engine. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LogLine, ProjectRecord } from '../../../runtime/src/domain/types.js';
import type { SqlStore } from '../../../runtime/src/store/sql-store.js';
import type { TenantStore } from '../../../runtime/src/store/store.js';
import { admin, failure, line, platformAdmin, spec, tenantId } from './fixtures.js';

export function logSuite(getStore: () => SqlStore): void {
  describe('logs', () => {
    let id: string;
    let t: TenantStore;
    let web: ProjectRecord;
    let api: ProjectRecord;

    beforeAll(async () => {
      const store = getStore();
      id = tenantId('logs');
      await store.createTenant({ id }, platformAdmin);
      t = store.tenant(id);
      web = await t.registerProject(spec('web'), admin(id));
      api = await t.registerProject(spec('api'), admin(id));
      const lines: LogLine[] = [];
      for (let i = 1; i <= 100; i++) {
        const level = i % 10 === 0 ? 'error' : i % 5 === 0 ? 'warn' : 'info';
        const stream = level === 'error' ? 'stderr' : 'stdout';
        lines.push(line(web.id, i, `web request ${i} took ${i}ms${i === 42 ? ' 100%_done' : ''}`, { level, stream }));
      }
      for (let i = 1; i <= 50; i++) lines.push(line(api.id, i, `api job ${i} ${i % 2 ? 'ok' : 'retry'}`, { level: i === 50 ? 'fatal' : 'debug' }));
      await t.appendLogs(lines);
    });

    const q = (extra: Partial<Parameters<TenantStore['queryLogs']>[0]> = {}) => t.queryLogs({ limit: 1000, order: 'asc', ...extra });

    it('filters by project, level, stream, time, substrings, regex, seq, with limit and order', async () => {
      expect(await q()).toHaveLength(150);
      expect(await q({ projectIds: [api.id] })).toHaveLength(50);
      expect((await q({ levels: ['error'] })).map((l) => l.seq)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(await q({ streams: ['stderr'] })).toHaveLength(10);
      expect(await q({ levels: ['warn', 'fatal'] })).toHaveLength(11);
      const since = new Date(Date.UTC(2026, 0, 1) + 95 * 1000);
      const until = new Date(Date.UTC(2026, 0, 1) + 97 * 1000);
      expect((await q({ projectIds: [web.id], since, until })).map((l) => l.seq)).toEqual([95, 96, 97]);
      expect((await q({ includeAll: ['WEB', 'took 7'] })).map((l) => l.seq)).toEqual([7, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79]);
      expect((await q({ projectIds: [api.id], exclude: ['retry'] }))).toHaveLength(25);
      // % and _ are literal in substrings.
      expect((await q({ includeAll: ['100%_'] })).map((l) => l.seq)).toEqual([42]);
      expect(await q({ includeAll: ['%'] })).toHaveLength(1);
      expect((await q({ regex: ['^API JOB 4[0-9] RETRY$'] })).map((l) => l.seq)).toEqual([40, 42, 44, 46, 48]);
      expect((await q({ regex: ['took [0-9]ms', 'request [35]'] })).map((l) => l.seq)).toEqual([3, 5]);
      expect((await q({ projectIds: [web.id], afterSeq: 97 })).map((l) => l.seq)).toEqual([98, 99, 100]);
      const newest = await q({ projectIds: [web.id], order: 'desc', limit: 3 });
      expect(newest.map((l) => l.seq)).toEqual([100, 99, 98]);
      expect(newest[0]).toMatchObject({ projectId: web.id, runId: 'run-1', stream: 'stderr', level: 'error', message: 'web request 100 took 100ms' });
      expect(newest[0]?.ts).toBeInstanceOf(Date);
      const bad = await failure(q({ regex: ['(unclosed'] }));
      expect(bad).toMatchObject({ code: 'invalid_input', field: 'regex' });
    });

    it('gives context lines around a seq, and the highest seq', async () => {
      expect((await t.logContext(web.id, 50, 2, 3)).map((l) => l.seq)).toEqual([48, 49, 50, 51, 52, 53]);
      expect((await t.logContext(web.id, 1, 5, 1)).map((l) => l.seq)).toEqual([1, 2]);
      expect((await t.logContext(web.id, 100, 0, 5)).map((l) => l.seq)).toEqual([100]);
      expect(await t.maxLogSeq(web.id)).toBe(100);
      expect(await t.maxLogSeq('no-such-project')).toBe(0);
    });

    it('ignores a re-sent batch (same project and seq) and keeps NUL-bearing lines', async () => {
      await t.appendLogs([line(web.id, 1, 'duplicate of seq 1')]);
      expect((await q({ projectIds: [web.id], limit: 1 }))[0]?.message).toBe('web request 1 took 1ms');
      const p = await t.registerProject(spec('nul'), admin(id));
      await t.appendLogs([line(p.id, 1, 'a\0b')]);
      expect((await q({ projectIds: [p.id] }))[0]?.message).toBe('a\uFFFDb');
    });

    it('aggregates stats by level, stream and project', async () => {
      const s = await t.logStats(web.id);
      expect(s.total).toBe(100);
      expect(s.byLevel).toEqual({ info: 80, warn: 10, error: 10 });
      expect(s.byStream).toEqual({ stdout: 90, stderr: 10 });
      expect(s.byProject).toEqual({ [web.id]: 100 });
      expect(s.first).toEqual(new Date(Date.UTC(2026, 0, 1) + 1000));
      expect(s.last).toEqual(new Date(Date.UTC(2026, 0, 1) + 100_000));
      const bytes = (await q({ projectIds: [web.id] })).reduce((n, l) => n + Buffer.byteLength(l.message), 0);
      expect(s.bytes).toBe(bytes);
      const all = await t.logStats();
      expect(all.byProject[api.id]).toBe(50);
      const u = await t.usage();
      expect(u.logLines).toBe(all.total);
      expect(u.logBytes).toBe(all.bytes);
    });

    it('prunes to the newest N lines per project, then clears with audit', async () => {
      const store = getStore();
      const other = tenantId('prune');
      await store.createTenant({ id: other }, platformAdmin);
      const o = store.tenant(other);
      const a = await o.registerProject(spec('a'), admin(other));
      const b = await o.registerProject(spec('b'), admin(other));
      await o.appendLogs([...Array.from({ length: 30 }, (_, i) => line(a.id, i + 1, `a${i}`)), ...Array.from({ length: 5 }, (_, i) => line(b.id, i + 1, `b${i}`))]);
      expect(await o.pruneLogs(10)).toBe(20);
      expect((await o.queryLogs({ projectIds: [a.id], limit: 100, order: 'asc' })).map((l) => l.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
      expect(await o.queryLogs({ projectIds: [b.id], limit: 100, order: 'asc' })).toHaveLength(5);
      expect(await o.pruneLogs(10)).toBe(0);

      expect(await o.clearLogs(b.id, admin(other))).toBe(5);
      expect(await o.clearLogs(undefined, admin(other))).toBe(10);
      expect((await o.usage()).logLines).toBe(0);
      const audit = (await o.listAudit(2)).map((r) => [r.action, r.detail]);
      expect(audit).toEqual([['logs.clear', { lines: 10 }], ['logs.clear', { lines: 5 }]]);
      expect((await failure(o.clearLogs('missing', admin(other)))).code).toBe('not_found');
    });

    it('appends 10k lines in one call (batched insert)', async () => {
      const store = getStore();
      const other = tenantId('bulk');
      await store.createTenant({ id: other }, platformAdmin);
      const o = store.tenant(other);
      const p = await o.registerProject(spec('chatty'), admin(other));
      const lines = Array.from({ length: 10_000 }, (_, i) => line(p.id, i + 1, `line ${i} ${'x'.repeat(80)}`));
      const t0 = performance.now();
      await o.appendLogs(lines);
      const ms = performance.now() - t0;
      expect(await o.maxLogSeq(p.id)).toBe(10_000);
      console.log(`[store] appendLogs 10k lines: ${ms.toFixed(0)} ms (${store.client.engine})`);
    });
  });
}
