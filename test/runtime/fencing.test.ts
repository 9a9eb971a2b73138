/**
 * A replica that lost a run lets go of it: fenced state writes (store/fence.ts) as the
 * supervisor makes them, and the owner lease (cluster/owner-lease.ts) with the process
 * keeper (drivers/process-keeper.ts), which kills the run's process group at the lease's
 * deadline without the runtime's help.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnerLease } from '../../runtime/src/cluster/owner-lease.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { COMMAND_GATE, ProcessDriver } from '../../runtime/src/drivers/process-driver.js';
import { FIXTURES, WEB, eventually, isAlive, startRuntime, type Harness, type TestClient } from './harness.js';

describe('a replica that lost a run to another owner', () => {
  let harness: Harness;
  let dev: TestClient;

  beforeAll(async () => {
    harness = await startRuntime();
    dev = await harness.client('default', 'developer');
  });
  afterAll(() => harness.close());

  it('has its next write refused, stops its process and leaves the new owner\'s record alone', async () => {
    // Crashes at once and would be restarted by its owner: the crash is the old owner's next write.
    const { projectId } = await dev.ok('host.register', { name: 'taken', workspace: FIXTURES, command: `sleep 1; ${WEB}`, env: { MODE: 'crash' }, maxRestarts: 3 });
    const { project: started } = await dev.ok('host.start', { projectId });
    const tenant = harness.runtime.store.tenant('default');
    const self = harness.runtime.config.replicaId;
    // Another replica takes the run over (as after this one's membership expired).
    expect(await tenant.handOver(projectId, self, 'replica-b', 'test: replica left', started.epoch)).toBe(true);
    const taken = (await tenant.getProject(projectId))!;
    await eventually(async () => !harness.runtime.projects.supervisor.isLive(projectId), 15_000, 'the old owner to let go');
    expect(isAlive(started.pid)).toBe(false);
    // No restart, no crash record, no release by the replica that lost it.
    expect(await tenant.getProject(projectId)).toEqual(taken);
    expect(taken).toMatchObject({ owner: 'replica-b', state: 'starting', restarts: 0, desired: 'running' });
  });
});

describe('a stop on a replica that does not run the project', () => {
  let harness: Harness;
  let dev: TestClient;
  beforeAll(async () => {
    harness = await startRuntime();
    dev = await harness.client('default', 'developer');
  });
  afterAll(() => harness.close());

  it('is refused with unavailable naming the owner, and changes nothing; a suspension still ends the run', async () => {
    const { projectId } = await dev.ok('host.register', { name: 'elsewhere', workspace: FIXTURES, command: WEB });
    const tenant = harness.runtime.store.tenant('default');
    // Claimed by another replica, which runs it: this one has no handle on it.
    await tenant.claimStart(projectId, { subject: 'test', tenantId: 'default', role: 'developer' } as never, 'replica-b');
    const before = await tenant.getProject(projectId);
    for (const tool of ['host.stop', 'host.restart']) {
      const refused = await dev.call(tool, { projectId });
      expect(refused.data.error, tool).toMatchObject({ code: 'unavailable', owner: 'replica-b', retryAfterMs: 1000, message: expect.stringContaining('runs on replica replica-b') });
    }
    expect(await tenant.getProject(projectId)).toEqual(before);
    const admin = await harness.client('default', 'platform-admin');
    await admin.ok('tenant.suspend', { tenantId: 'default' });
    expect(await tenant.getProject(projectId)).toMatchObject({ state: 'stopped', stopReason: 'tenant suspended' });
    await admin.ok('tenant.resume', { tenantId: 'default' });
  });
});

describe('the owner lease', () => {
  it('is held for ever by a runtime alone, and by a clustered one only until holdMs after its last renewal began', async () => {
    expect(OwnerLease.alone().held()).toBe(true);
    expect(OwnerLease.alone().remaining()).toBe(Infinity);
    const lease = new OwnerLease(80);
    expect(lease.held()).toBe(false);
    const renewals: number[] = [];
    lease.onRenew((ms) => renewals.push(ms));
    const began = performance.now();
    lease.renewed(began);
    expect(lease.held()).toBe(true);
    // A renewal that began earlier than the one in force extends nothing.
    lease.renewed(began - 50);
    expect(renewals).toHaveLength(2);
    await new Promise<void>((resolve) => lease.onLapse(resolve));
    expect(performance.now() - began).toBeGreaterThanOrEqual(79);
    expect(lease.held()).toBe(false);
    expect(lease.lastLapse).toBeGreaterThanOrEqual(began + 79);
  });
});

describe('the process keeper', () => {
  it('kills a run\'s process group when the owner lease runs out, though the runtime does nothing', async () => {
    const lease = new OwnerLease(600);
    const driver = new ProcessDriver({ lease });
    try {
      lease.renewed(performance.now());
      const handle = await driver.launch(
        { tenantId: 't', projectId: 'p', runId: 'r', command: 'sleep 30 & sleep 30; wait', workspace: FIXTURES, cwd: FIXTURES, env: {}, port: 1 },
        () => undefined,
      );
      // Renewed once more, then never again: the deadline is 600 ms after that renewal.
      await new Promise((r) => setTimeout(r, 200));
      lease.renewed(performance.now());
      const renewedAt = performance.now();
      const exit = await handle.exited;
      const tookMs = performance.now() - renewedAt;
      expect(exit.signal).toBe('SIGKILL');
      expect(tookMs).toBeGreaterThan(500);
      expect(isAlive(handle.pid!)).toBe(false);
    } finally {
      await driver.close();
    }
  });

  it('gates a command until the keeper has its group: without the go on fd 3 the command never runs', async () => {
    const marker = `/tmp/debug-host-gate-${process.pid}-${Date.now()}`;
    const child = spawn('/bin/sh', ['-c', COMMAND_GATE, 'sh', `touch ${marker}`], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    // The runtime "dies" before it says go: its end of fd 3 closes.
    (child.stdio[3] as NodeJS.WritableStream).end();
    const [code] = await once(child, 'exit');
    expect(code).toBe(111);
    const { existsSync } = await import('node:fs');
    expect(existsSync(marker)).toBe(false);
  });

  it('ends the runs of a keeper killed -9 as killed, and starts a new keeper for the next launch', async () => {
    const driver = new ProcessDriver();
    try {
      const spec = { tenantId: 't', projectId: 'p', runId: 'r', workspace: FIXTURES, cwd: FIXTURES, env: {}, port: 1 };
      const handle = await driver.launch({ ...spec, command: 'sleep 30' }, () => undefined);
      const keeper = parentOf(handle.pid!);
      process.kill(keeper, 'SIGKILL');
      expect(await handle.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await eventually(async () => !isAlive(handle.pid!), 5000, 'the dead keeper\'s run to be killed');

      const lines: string[] = [];
      const next = await driver.launch({ ...spec, command: 'echo launched again' }, (_stream, line) => lines.push(line));
      expect(await next.exited).toEqual({ code: 0, signal: null });
      expect(lines).toEqual(['launched again']);
    } finally {
      await driver.close();
    }
  });

  it('refuses a launch it cannot spawn with the reason, and keeps nothing of it', async () => {
    const driver = new ProcessDriver();
    try {
      const spec = { tenantId: 't', projectId: 'p', runId: 'r', workspace: FIXTURES, env: {}, port: 1, command: 'true' };
      await expect(driver.launch({ ...spec, cwd: join(FIXTURES, 'no-such-directory') }, () => undefined)).rejects.toThrow(/ENOENT/);
      expect(await (await driver.launch({ ...spec, cwd: FIXTURES }, () => undefined)).exited).toEqual({ code: 0, signal: null });
    } finally {
      await driver.close();
    }
  });

  it('leaves runs alone while the lease is renewed, and keeps no group it was told has ended', async () => {
    const lease = OwnerLease.alone();
    const driver = new ProcessDriver({ lease });
    try {
      const handle = await driver.launch(
        { tenantId: 't', projectId: 'p', runId: 'r', command: 'sleep 30', workspace: FIXTURES, cwd: FIXTURES, env: {}, port: 1 },
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(isAlive(handle.pid!)).toBe(true);
      expect((await handle.stop(1000)).signal).toBe('SIGTERM');
    } finally {
      await driver.close();
    }
  });
});

/** The parent of a process: the keeper, for a run's group leader. */
function parentOf(pid: number): number {
  // /proc/<pid>/stat: "pid (comm) state ppid ...", where comm may hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
