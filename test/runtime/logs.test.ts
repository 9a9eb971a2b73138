import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, WEB, eventually, startRuntime, type Harness, type TestClient } from './harness.js';

type Line = { message: string; level: string; stream: string; seq: number };
const messages = (lines: Line[]): string[] => lines.map((l) => l.message);

describe('logs: tail, search syntax, context, facets, export, stats, clear', () => {
  let harness: Harness;
  let dev: TestClient;
  let web: string;
  let burst: string;

  beforeAll(async () => {
    harness = await startRuntime();
    dev = await harness.client('default', 'developer');
    web = (await dev.ok('host.register', { name: 'web', workspace: FIXTURES, command: WEB, readiness: 'log', readyPattern: 'listening on' })).projectId;
    burst = (await dev.ok('host.register', { name: 'burst', workspace: FIXTURES, command: WEB, env: { MODE: 'burst', LINES: '5000' }, readiness: 'none' })).projectId;
    await dev.ok('host.start', { projectId: web });
    await eventually(async () => (await dev.ok('host.status', { projectId: web })).project.ready, 15_000, 'web ready');
    await dev.ok('host.start', { projectId: burst });
    await eventually(async () => (await dev.ok('host.status', { projectId: burst })).project.state === 'stopped', 15_000, 'burst exit');
  });
  afterAll(() => harness.close());

  it('keeps every line of a process that exits', async () => {
    const status = await dev.ok('host.status', { projectId: burst });
    expect(status.project).toMatchObject({ state: 'stopped', stopReason: 'exited', exitCode: 0 });
    const stats = await dev.ok('host.logStats', { projectId: burst });
    // 2 boot lines + 5000 burst lines + 1 system line recording the exit
    expect(stats.total).toBe(5003);
    const all = await dev.ok('host.exportLogs', { projectId: burst, format: 'json', limit: 100000 });
    const burstLines = JSON.parse(all.content).filter((l: Line) => l.message.startsWith('burst line'));
    expect(burstLines.map((l: Line) => l.message)).toEqual(Array.from({ length: 5000 }, (_, i) => `burst line ${i + 1}`));
  });

  it('filters host.logs by level, stream and substring', async () => {
    const errors = await dev.ok('host.logs', { projectId: web, level: 'error' });
    // stdout and stderr are separate pipes: their relative order is not defined.
    expect(messages(errors.lines).sort()).toEqual(['error: optional cache unavailable, continuing', '{"level":50,"msg":"json failure line"}']);
    const stderr = await dev.ok('host.logs', { projectId: web, stream: 'stderr' });
    expect(messages(stderr.lines)).toEqual(['warning: using development settings', 'error: optional cache unavailable, continuing']);
    expect(stderr.lines[0].level).toBe('warn');
    const search = await dev.ok('host.logs', { projectId: web, search: 'LISTENING' });
    expect(search.count).toBe(1);
    const future = await dev.ok('host.logs', { projectId: web, since: '2999-01-01T00:00:00Z' });
    expect(future.count).toBe(0);
    const recent = await dev.ok('host.logs', { projectId: web, since: '1h', limit: 2 });
    expect(recent.count).toBe(2);
  });

  it('searches with words, phrases, exclusions, regexes, level: and stream:', async () => {
    const q = async (query: string, extra: Record<string, unknown> = {}) => (await dev.ok('host.searchLogs', { query, ...extra })).results.map((r: { match: Line }) => r.match.message);
    expect((await q('level:error')).sort()).toEqual(['error: optional cache unavailable, continuing', '{"level":50,"msg":"json failure line"}']);
    expect(await q('level:warn,error stream:stderr', { projectId: web })).toEqual(['warning: using development settings', 'error: optional cache unavailable, continuing']);
    expect(await q('"cache unavailable"')).toEqual(['error: optional cache unavailable, continuing']);
    expect(await q('burst -line')).toEqual([]);
    expect(await q('/^burst line 49\\d\\d$/', { projectId: burst, limit: 1000 })).toHaveLength(100);
    expect(await q('booting port -burst')).toEqual(expect.arrayContaining([expect.stringMatching(/^booting web on port/)]));
    expect(await q('listening http')).toHaveLength(1);
  });

  it('returns context lines and facets by level and project', async () => {
    const result = await dev.ok('host.searchLogs', { query: '"burst line 2500"', context: 2 });
    expect(result.results).toHaveLength(1);
    expect(messages(result.results[0].before)).toEqual(['burst line 2498', 'burst line 2499']);
    expect(messages(result.results[0].after)).toEqual(['burst line 2501', 'burst line 2502']);
    const facets = (await dev.ok('host.searchLogs', { query: 'booting' })).facets;
    expect(facets.byProject).toEqual({ web: 1, burst: 1 });
    expect(facets.byLevel).toEqual({ info: 2 });
  });

  it('refuses a regex that does not compile, naming the query', async () => {
    const bad = await dev.call('host.searchLogs', { query: '/([a-/' });
    expect(bad.data.error).toMatchObject({ code: 'invalid_input', field: 'query' });
    const level = await dev.call('host.searchLogs', { query: 'level:loud' });
    expect(level.text).toMatch(/level:loud is not a known level/);
  });

  it('exports json, csv and text', async () => {
    const json = await dev.ok('host.exportLogs', { projectId: web, format: 'json' });
    const parsed = JSON.parse(json.content) as Line[];
    expect(parsed[0]).toMatchObject({ seq: 1, stream: 'stdout', level: 'info' });
    const csv = await dev.ok('host.exportLogs', { projectId: web, format: 'csv' });
    const rows = (csv.content as string).split('\r\n');
    expect(rows[0]).toBe('ts,projectId,runId,seq,stream,level,message');
    expect(rows.find((r) => r.includes('json failure'))).toContain('"{""level"":50,""msg"":""json failure line""}"');
    const text = await dev.ok('host.exportLogs', { projectId: web, format: 'text', level: 'warn' });
    expect(text.content).toMatch(/^\d{4}-\d\d-\d\dT.+ \[warn\] stderr: warning: using development settings$/);
  });

  it('reports stats and clears one project or all', async () => {
    const stats = await dev.ok('host.logStats', {});
    expect(stats.byProject[burst]).toBe(5003);
    expect(stats.byLevel.error).toBeGreaterThanOrEqual(2);
    const cleared = await dev.ok('host.clearLogs', { projectId: burst });
    expect(cleared.removed).toBe(5003);
    expect((await dev.ok('host.logStats', { projectId: burst })).total).toBe(0);
    expect((await dev.ok('host.logStats', { projectId: web })).total).toBeGreaterThan(0);
    await dev.ok('host.clearLogs', {});
    expect((await dev.ok('host.logStats', {})).total).toBe(0);
    expect((await dev.ok('host.logs', { projectId: web })).count).toBe(0);
  });
});
