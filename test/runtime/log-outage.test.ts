/**
 * The run supervisor's log flushes while the log store fails: a stop and an exit are not held
 * up longer than the flush timeout, and every line of the run (with the exit's system line)
 * is stored once the store takes lines again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import type { LogLine } from '../../runtime/src/domain/types.js';
import { Runtime, SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import type { TenantStore } from '../../runtime/src/store/store.js';
import { FIXTURES, SECRET, eventually } from './harness.js';

const FLUSH_TIMEOUT_MS = 500;
const STOP_GRACE_MS = 2000;
const printer = (lines: number, then: 'stay' | 'exit') =>
  `"${process.execPath}" -e "for (let i = 1; i <= ${lines}; i++) console.log('tick ' + i); ${then === 'stay' ? 'setInterval(() => {}, 1000)' : ''}"`;

describe('stop and exit while the log store fails', () => {
  let dir: string;
  let runtime: Runtime;
  let tenant: TenantStore;
  const state = { down: false };
  let failing: TenantStore;
  const actor = { ...SYSTEM_ACTOR, tenantId: 'default', role: 'developer' as const };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-outage-'));
    const config = loadConfig({ dataDir: dir, port: 0, jwtSecret: SECRET, logLevel: 'silent', stopGraceMs: STOP_GRACE_MS, logFlushTimeoutMs: FLUSH_TIMEOUT_MS }, {});
    runtime = await Runtime.create(config, { env: {}, logger: pino({ level: 'silent' }) });
    await runtime.bootstrap();
    tenant = runtime.store.tenant('default');
    failing = Object.create(tenant, {
      appendLogs: {
        value: async (lines: readonly LogLine[]) => {
          if (state.down) throw new Error('appendLogs failed: connection lost');
          return tenant.appendLogs(lines);
        },
      },
    }) as TenantStore;
  });
  afterAll(async () => {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  });

  const register = async (name: string, command: string): Promise<string> => {
    const registered = await runtime.dispatcher.call('host.register', { name, workspace: FIXTURES, command, readiness: 'none' }, actor);
    return (registered.structuredContent as { projectId: string }).projectId;
  };
  const ticks = (n: number) => Array.from({ length: n }, (_, i) => `tick ${i + 1}`);
  const stored = async (projectId: string) => (await tenant.queryLogs({ projectIds: [projectId], limit: 10_000, order: 'asc' })).sort((a, b) => a.seq - b.seq);

  it('stops a run within the grace and the flush timeout, and stores its lines after recovery', async () => {
    const id = await register('stay', printer(300, 'stay'));
    state.down = true;
    await runtime.projects.start(failing, id, actor);
    await eventually(async () => runtime.projects.tail(id, 1000).filter((l) => l.message.startsWith('tick ')).length === 300, 10_000, 'every tick in the tail');
    const started = Date.now();
    const stopped = await runtime.projects.stop(tenant, id, actor);
    expect(stopped).toMatchObject({ state: 'stopped', stopReason: 'requested' });
    const stopMs = Date.now() - started;
    expect(stopMs).toBeLessThan(STOP_GRACE_MS + FLUSH_TIMEOUT_MS + 2000);
    console.log(`[log-outage] host.stop with the log store down: ${stopMs} ms (flush timeout ${FLUSH_TIMEOUT_MS} ms)`);
    await eventually(async () => runtime.logs.backlog(id).spilled === 300, 5000, 'the closed log to spill its lines');
    expect(runtime.logs.backlog(id).memory).toBe(0);

    state.down = false;
    await eventually(async () => runtime.logs.backlog(id).spilled === 0 && (await stored(id)).length === 300, 10_000, 'the spilled lines to be stored');
    const lines = await stored(id);
    expect(lines.map((l) => l.message)).toEqual(ticks(300));
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('records an exit within the flush timeouts, and stores every line and the exit\'s system line after recovery', async () => {
    const id = await register('exits', printer(200, 'exit'));
    state.down = true;
    await runtime.projects.start(failing, id, actor);
    const exited = await eventually(async () => {
      const project = await tenant.getProject(id);
      return project?.state === 'stopped' ? project : undefined;
    }, 2 * FLUSH_TIMEOUT_MS + 8000, 'the exit to be recorded');
    expect(exited).toMatchObject({ stopReason: 'exited', exitCode: 0 });

    state.down = false;
    await eventually(async () => (await stored(id)).length === 201, 10_000, 'every line to be stored');
    const lines = await stored(id);
    expect(lines.map((l) => l.message)).toEqual([...ticks(200), 'stopped: exited']);
    expect(lines.at(-1)).toMatchObject({ stream: 'system', seq: 201 });
  });
});
