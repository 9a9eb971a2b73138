/**
 * No lost log line (logs/log-pipeline.ts), on the embedded store behind a TenantStore whose
 * appendLogs fails for a while: every line is stored after recovery, in order and once;
 * memory stays under its caps with the oldest lines spilled; lines are dropped only when the
 * spill file is full too, and then counted and named by a system line in their place.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import type { LogLine } from '../../runtime/src/domain/types.js';
import { LogPipeline, type LogPipelineSettings } from '../../runtime/src/logs/log-pipeline.js';
import { DEFAULT_LOG_PIPELINE } from '../../runtime/src/logs/log-settings.js';
import { Metrics } from '../../runtime/src/metrics/metrics.js';
import { SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import { openStore } from '../../runtime/src/store/open-store.js';
import type { SqlStore } from '../../runtime/src/store/sql-store.js';
import type { TenantStore } from '../../runtime/src/store/store.js';
import { eventually } from './harness.js';

const spec = { workspace: '/tmp', command: 'true', cwd: '.', env: {}, readiness: { kind: 'none' }, restart: { maxRestarts: 0, initialBackoffMs: 1, maxBackoffMs: 1 }, idleTimeoutSec: 0 } as const;
const FAST: LogPipelineSettings = { batchSize: 50, flushIntervalMs: 5, retryInitialMs: 5, retryMaxMs: 20, flushTimeoutMs: 300 };

/** The tenant's store with appendLogs failing while `state.down`, as a database outage would. */
function flaky(tenant: TenantStore) {
  const state = { down: false, failures: 0 };
  const store = Object.create(tenant, {
    appendLogs: {
      value: async (lines: readonly LogLine[]) => {
        if (state.down) {
          state.failures += 1;
          throw new Error('appendLogs failed: connection lost');
        }
        return tenant.appendLogs(lines);
      },
    },
  }) as TenantStore;
  return { store, state };
}

function recorder() {
  const entries: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void entries.push({ level, msg, obj });
  return { entries, logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Pick<Logger, 'info' | 'warn' | 'error'> };
}

const counter = async (metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> => {
  const metric = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return metric.filter((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value)).reduce((sum, v) => sum + v.value, 0);
};

describe('the log pipeline while the store fails', () => {
  let store: SqlStore;
  let tenant: TenantStore;
  const root = mkdtempSync(join(tmpdir(), 'log-pipeline-'));
  const spillDir = (name: string) => join(root, name);
  const project = async (name: string) => (await tenant.registerProject({ ...spec, name }, { ...SYSTEM_ACTOR, tenantId: 'acme' })).id;
  const stored = async (projectId: string) => (await tenant.queryLogs({ projectIds: [projectId], limit: 100_000, order: 'asc' })).sort((a, b) => a.seq - b.seq);
  const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
  const storedAll = (logs: LogPipeline, id: string) => eventually(async () => (await logs.flush(id)).stored, 10_000, 'every pending line to be stored');

  beforeAll(async () => {
    store = await openStore();
    await store.createTenant({ id: 'acme' }, SYSTEM_ACTOR);
    tenant = store.tenant('acme');
  });
  afterAll(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('retries a failed batch with backoff and stores every line after recovery, in order, once', async () => {
    const id = await project('order');
    const { store: failing, state } = flaky(tenant);
    const logs = new LogPipeline({ settings: FAST, spillDir: spillDir('order') });
    await logs.open(failing, id);
    for (let i = 1; i <= 200; i += 1) logs.append(id, 'run-1', 'stdout', `line ${i}`);
    expect((await logs.flush(id)).stored).toBe(true);
    state.down = true;
    for (let i = 201; i <= 1200; i += 1) logs.append(id, 'run-1', 'stdout', `line ${i}`);
    await new Promise((r) => setTimeout(r, 100));
    expect(state.failures).toBeGreaterThan(2);
    expect(logs.backlog(id)).toMatchObject({ memory: 1000, spilled: 0 });
    state.down = false;
    await storedAll(logs, id);
    const lines = await stored(id);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(lines.map((l) => l.message)).toEqual(numbered(1, 1200));
    expect(logs.backlog()).toEqual({ memory: 0, spilled: 0, spilledBytes: 0 });
  });

  it('keeps memory under the per-project and replica caps by spilling the oldest, and writes the spill back in order', async () => {
    const [a, b] = [await project('spill-a'), await project('spill-b')];
    const { store: failing, state } = flaky(tenant);
    const metrics = new Metrics('test');
    const logs = new LogPipeline({ settings: { ...FAST, batchSize: 20, maxPendingLinesPerProject: 100, maxPendingLines: 150 }, spillDir: spillDir('spill'), metrics });
    await logs.open(failing, a);
    await logs.open(failing, b);
    state.down = true;
    let most = { all: 0, a: 0, b: 0 };
    for (let i = 1; i <= 600; i += 1) {
      logs.append(a, 'run-a', 'stdout', `line ${i}`);
      if (i % 2 === 0) logs.append(b, 'run-b', 'stdout', `line ${i / 2}`);
      most = { all: Math.max(most.all, logs.backlog().memory), a: Math.max(most.a, logs.backlog(a).memory), b: Math.max(most.b, logs.backlog(b).memory) };
    }
    expect(most.all).toBeLessThanOrEqual(150);
    expect(most.a).toBeLessThanOrEqual(100);
    expect(most.b).toBeLessThanOrEqual(100);
    const backlog = logs.backlog();
    expect(backlog.memory + backlog.spilled).toBe(900);
    expect(logs.backlog(a).spilled).toBeGreaterThan(0);
    expect(logs.backlog(b).spilled).toBeGreaterThan(0);
    expect(readdirSync(spillDir('spill')).sort()).toEqual([`${a}.jsonl`, `${b}.jsonl`].sort());
    expect(await counter(metrics, 'debug_host_log_lines_spilled_total')).toBe(backlog.spilled);
    expect(await counter(metrics, 'debug_host_log_lines_dropped_total')).toBe(0);

    state.down = false;
    await storedAll(logs, a);
    await storedAll(logs, b);
    expect((await stored(a)).map((l) => [l.seq, l.message])).toEqual(numbered(1, 600).map((m, i) => [i + 1, m]));
    expect((await stored(b)).map((l) => [l.seq, l.message])).toEqual(numbered(1, 300).map((m, i) => [i + 1, m]));
    expect(readdirSync(spillDir('spill'))).toEqual([]);
  });

  it('drops lines only when the spill file is full too, counts them, and says how many in a system line in their place', async () => {
    const id = await project('drop');
    const { store: failing, state } = flaky(tenant);
    const metrics = new Metrics('test');
    const { entries, logger } = recorder();
    const logs = new LogPipeline({ settings: { ...FAST, batchSize: 10, maxPendingLinesPerProject: 50, spillBytesPerProject: 10_000 }, spillDir: spillDir('drop'), metrics, logger });
    await logs.open(failing, id);
    state.down = true;
    for (let i = 1; i <= 1000; i += 1) {
      logs.append(id, 'run-1', 'stdout', `line ${i}`);
      expect(logs.backlog(id).memory).toBeLessThanOrEqual(50);
      expect(logs.backlog(id).spilledBytes).toBeLessThanOrEqual(10_000);
    }
    const { memory, spilled } = logs.backlog(id);
    const dropped = await counter(metrics, 'debug_host_log_lines_dropped_total', { reason: 'full' });
    expect(spilled).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(0);
    expect(memory + spilled + dropped).toBe(1000);
    expect(entries).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'log lines were dropped', obj: expect.objectContaining({ projectId: id, reason: 'full' }) }));

    state.down = false;
    await storedAll(logs, id);
    const lines = await stored(id);
    const marker = { seq: spilled + 1, stream: 'system', level: 'warn', message: `${dropped} log lines were dropped (seq ${spilled + 1}-${spilled + dropped}): the log store was unavailable and this replica's pending lines filled its memory and spill file` };
    expect(lines.filter((l) => l.stream === 'system')).toEqual([expect.objectContaining(marker)]);
    // The oldest lines (spilled), the system line in the place of the dropped ones, the newest (memory).
    expect(lines.map((l) => l.seq)).toEqual([...Array.from({ length: spilled + 1 }, (_, i) => i + 1), ...Array.from({ length: memory }, (_, i) => 1000 - memory + 1 + i)]);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.message)).toEqual([...numbered(1, spilled), ...numbered(1000 - memory + 1, 1000)]);
  });

  it('bounds flush by its timeout while the store is down, and reports what is pending', async () => {
    const id = await project('flush');
    const { store: failing, state } = flaky(tenant);
    const { entries, logger } = recorder();
    const logs = new LogPipeline({ settings: { ...FAST, flushTimeoutMs: 200 }, spillDir: spillDir('flush'), logger });
    await logs.open(failing, id);
    state.down = true;
    for (let i = 1; i <= 5; i += 1) logs.append(id, 'run-1', 'stdout', `line ${i}`);
    const started = Date.now();
    expect(await logs.flush(id)).toEqual({ stored: false, memory: 5, spilled: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(entries.filter((e) => e.msg.startsWith('log lines are not stored yet'))).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ projectId: id, pendingInMemory: 5, timeoutMs: 200 }) })]);
    expect(entries.filter((e) => e.msg.startsWith('log batch could not be stored'))).toHaveLength(1);
    state.down = false;
    await storedAll(logs, id);
    expect(entries).toContainEqual(expect.objectContaining({ level: 'info', msg: 'log lines are stored again; pending ones are written in order' }));
  });

  it('keeps the pending lines of a closed log (spilled, then written), and a new run continues its seq', async () => {
    const id = await project('close');
    const { store: failing, state } = flaky(tenant);
    const logs = new LogPipeline({ settings: { ...FAST, flushTimeoutMs: 100 }, spillDir: spillDir('close') });
    await logs.open(failing, id);
    state.down = true;
    for (let i = 1; i <= 30; i += 1) logs.append(id, 'run-1', 'stdout', `line ${i}`);
    await logs.close(id);
    expect(logs.backlog(id)).toMatchObject({ memory: 0, spilled: 30 });
    expect(logs.tail(id, 10)).toEqual([]);
    expect(logs.append(id, 'run-1', 'stdout', 'after close')).toBeUndefined();
    await logs.open(failing, id);
    expect(logs.append(id, 'run-2', 'stdout', 'next run')?.seq).toBe(31);
    state.down = false;
    await storedAll(logs, id);
    expect((await stored(id)).map((l) => l.message)).toEqual([...numbered(1, 30), 'next run']);
  });

  it('spills what is pending at shutdown, and the next start writes it', async () => {
    const id = await project('restart');
    const { store: failing, state } = flaky(tenant);
    const first = new LogPipeline({ settings: FAST, spillDir: spillDir('restart') });
    await first.open(failing, id);
    state.down = true;
    for (let i = 1; i <= 40; i += 1) first.append(id, 'run-1', 'stdout', `line ${i}`);
    expect(first.shutdown()).toBe(0);
    expect(readdirSync(spillDir('restart'))).toEqual([`${id}.jsonl`]);

    const next = new LogPipeline({ settings: FAST, spillDir: spillDir('restart') });
    expect(next.recover(() => tenant)).toBe(40);
    await next.open(tenant, id);
    expect(next.append(id, 'run-2', 'stdout', 'resumed')?.seq).toBe(41);
    await storedAll(next, id);
    expect((await stored(id)).map((l) => l.message)).toEqual([...numbered(1, 40), 'resumed']);
    expect(readdirSync(spillDir('restart'))).toEqual([]);
  });

  it('drops a batch the store refuses as it is (a data error) instead of holding the log back, and says so', async () => {
    const id = await project('poison');
    const metrics = new Metrics('test');
    const refusing = Object.create(tenant, {
      appendLogs: {
        value: async (lines: readonly LogLine[]) => {
          if (lines.some((l) => l.message === 'poison')) throw Object.assign(new Error('invalid byte sequence for encoding "UTF8"'), { code: '22021' });
          return tenant.appendLogs(lines);
        },
      },
    }) as TenantStore;
    const logs = new LogPipeline({ settings: { ...FAST, batchSize: 10 }, spillDir: spillDir('poison'), metrics });
    await logs.open(refusing, id);
    for (let i = 1; i <= 10; i += 1) logs.append(id, 'run-1', 'stdout', i === 5 ? 'poison' : `line ${i}`);
    for (let i = 11; i <= 20; i += 1) logs.append(id, 'run-1', 'stdout', `line ${i}`);
    await storedAll(logs, id);
    const lines = await stored(id);
    expect(lines.map((l) => l.message)).toEqual(['10 log lines were dropped (seq 1-10): the log store refused them as they were', ...numbered(11, 20)]);
    expect(await counter(metrics, 'debug_host_log_lines_dropped_total', { reason: 'rejected' })).toBe(10);
  });

  it('discards, and counts, the lines of a project that no longer exists', async () => {
    const metrics = new Metrics('test');
    const logs = new LogPipeline({ settings: FAST, spillDir: spillDir('gone'), metrics });
    await logs.open(tenant, 'no-such-project');
    for (let i = 1; i <= 3; i += 1) logs.append('no-such-project', 'run-1', 'stdout', `line ${i}`);
    expect(await logs.flush('no-such-project')).toEqual({ stored: true, memory: 0, spilled: 0 });
    expect(await counter(metrics, 'debug_host_log_lines_dropped_total', { reason: 'gone' })).toBe(3);
  });
});

describe('log pipeline settings', () => {
  it('default to 5,000 lines per project and 50,000 per replica in memory, 16 MiB and 256 MiB of spill, a 3 s flush', () => {
    expect(DEFAULT_LOG_PIPELINE).toEqual({
      ringSize: 1000,
      batchSize: 500,
      flushIntervalMs: 250,
      maxPendingLinesPerProject: 5000,
      maxPendingLines: 50_000,
      spillBytesPerProject: 16 * 1024 * 1024,
      spillBytes: 256 * 1024 * 1024,
      flushTimeoutMs: 3000,
      retryInitialMs: 200,
      retryMaxMs: 5000,
    });
    expect(loadConfig({}, {})).toMatchObject({ logPendingLinesPerProject: 5000, logPendingLines: 50_000, logSpillBytesPerProject: 16_777_216, logSpillBytes: 268_435_456, logFlushTimeoutMs: 3000 });
  });

  it('are tuned by environment variables, and refuse a cap below 10 naming the variable', () => {
    const env = {
      DEBUG_HOST_LOG_PENDING_LINES_PER_PROJECT: '200',
      DEBUG_HOST_LOG_PENDING_LINES: '1000',
      DEBUG_HOST_LOG_SPILL_BYTES_PER_PROJECT: '0',
      DEBUG_HOST_LOG_SPILL_BYTES: '1048576',
      DEBUG_HOST_LOG_FLUSH_TIMEOUT_MS: '500',
    };
    expect(loadConfig({}, env)).toMatchObject({ logPendingLinesPerProject: 200, logPendingLines: 1000, logSpillBytesPerProject: 0, logSpillBytes: 1_048_576, logFlushTimeoutMs: 500 });
    expect(() => loadConfig({}, { DEBUG_HOST_LOG_PENDING_LINES: '5' })).toThrow(/DEBUG_HOST_LOG_PENDING_LINES must be at least 10/);
  });
});
