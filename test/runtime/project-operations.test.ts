/**
 * One operation per project at a time on its owner, and no run left behind by a launch that
 * failed half-way: a stop that arrives while a start still waits on the driver stops what
 * that start launched; a failure after the driver launched (the state write) stops the
 * process; a failure before it (opening the log) leaves no run entry behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import type { Driver, RunHandle } from '../../runtime/src/drivers/driver.js';
import { ProcessDriver } from '../../runtime/src/drivers/process-driver.js';
import { Runtime, SYSTEM_ACTOR } from '../../runtime/src/runtime.js';
import type { TenantStore } from '../../runtime/src/store/store.js';
import { FIXTURES, SECRET, WEB, eventually, isAlive } from './harness.js';

/** The process driver, whose launches wait until the test opens the gate; it keeps every handle. */
class GatedDriver implements Driver {
  readonly name = 'gated-process';
  private readonly inner = new ProcessDriver();
  readonly handles: RunHandle[] = [];
  private open: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;
  launchesWaiting = 0;

  hold(): void {
    this.open = new Promise((resolve) => (this.release = resolve));
  }

  letGo(): void {
    this.release();
  }

  async launch(...args: Parameters<Driver['launch']>): Promise<RunHandle> {
    this.launchesWaiting += 1;
    await this.open;
    this.launchesWaiting -= 1;
    const handle = await this.inner.launch(...args);
    this.handles.push(handle);
    return handle;
  }

  reapOrphan(...args: Parameters<Driver['reapOrphan']>): Promise<void> {
    return this.inner.reapOrphan(...args);
  }

  portAvailable(port: number): Promise<boolean> {
    return this.inner.portAvailable(port);
  }
}

/** The tenant's store with one method failing, as a database error at that step would. */
function failing(tenant: TenantStore, method: 'recordState' | 'maxLogSeq'): TenantStore {
  return Object.create(tenant, { [method]: { value: async () => Promise.reject(new Error(`${method} failed: connection lost`)) } }) as TenantStore;
}

describe('operations on one project', () => {
  let dir: string;
  let runtime: Runtime;
  let tenant: TenantStore;
  const driver = new GatedDriver();
  const actor = { ...SYSTEM_ACTOR, tenantId: 'default', role: 'developer' as const };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'project-ops-'));
    const config = loadConfig({ dataDir: dir, port: 0, jwtSecret: SECRET, logLevel: 'silent', stopGraceMs: 2000 }, {});
    runtime = await Runtime.create(config, { driver, env: {}, logger: pino({ level: 'silent' }) });
    await runtime.bootstrap();
    tenant = runtime.store.tenant('default');
  });
  afterAll(async () => {
    driver.letGo();
    await runtime.close();
    for (const handle of driver.handles) if (handle.pid && isAlive(handle.pid)) process.kill(-handle.pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const register = async (name: string): Promise<string> => {
    const registered = await runtime.dispatcher.call('host.register', { name, workspace: FIXTURES, command: WEB }, actor);
    return (registered.structuredContent as { projectId: string }).projectId;
  };
  const liveHandles = () => driver.handles.filter((h) => h.pid !== undefined && isAlive(h.pid));

  it('stops what a start launched when the stop arrives while the start waits on the driver', async () => {
    const projectId = await register('stop-during-start');
    driver.hold();
    const starting = runtime.projects.start(tenant, projectId, actor);
    await eventually(async () => driver.launchesWaiting === 1, 5000, 'the start to wait on the driver');
    const stopping = runtime.projects.stop(tenant, projectId, actor);
    driver.letGo();
    const [started, stopped] = await Promise.allSettled([starting, stopping]);
    expect(started.status).toBe('fulfilled');
    expect(stopped).toMatchObject({ status: 'fulfilled', value: { state: 'stopped' } });
    const after = await runtime.projects.status(tenant, projectId);
    expect(after).toMatchObject({ state: 'stopped', live: false });
    expect(liveHandles()).toEqual([]);
  });

  it('stops the process it launched when recording the start fails, and answers the start with an error', async () => {
    const projectId = await register('record-fails');
    const before = driver.handles.length;
    await expect(runtime.projects.start(failing(tenant, 'recordState'), projectId, actor)).rejects.toThrow(/recordState failed/);
    expect(driver.handles.length).toBe(before + 1);
    await eventually(async () => liveHandles().length === 0, 5000, 'the launched process to be stopped');
    expect(runtime.projects.supervisor.isLive(projectId)).toBe(false);
    expect((await tenant.getProject(projectId))?.state).not.toMatch(/starting|running/);
  });

  it('leaves no run entry behind when opening the log fails before the driver launches', async () => {
    const projectId = await register('log-open-fails');
    const before = driver.handles.length;
    await expect(runtime.projects.start(failing(tenant, 'maxLogSeq'), projectId, actor)).rejects.toThrow(/maxLogSeq failed/);
    expect(driver.handles.length).toBe(before);
    expect(runtime.projects.supervisor.isLive(projectId)).toBe(false);
    expect(runtime.projects.supervisor.activeCount).toBe(0);
    expect((await tenant.getProject(projectId))?.state).not.toMatch(/starting|running/);
  });
});
