/**
 * The stated rule for a promise rejection nothing handles: it is a background task that
 * failed (each loop of the runtime retries on its next tick), so the replica logs it with
 * its stack and keeps serving; it does not die with Node's default crash.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET, eventually } from './harness.js';
import { servingUrl } from '../support/serving-url.js';

const CLI = resolve(import.meta.dirname, '../../runtime/src/cli.ts');
const REJECT_ON_SIGNAL = resolve(import.meta.dirname, '../fixtures/process/reject-on-signal.mjs');

describe('an unhandled promise rejection in a running replica', () => {
  it('is logged with its error and context, and the replica keeps serving', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'unhandled-'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', REJECT_ON_SIGNAL, CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      env: { ...process.env, DATABASE_URL: '', DEBUG_HOST_JWT_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await servingUrl(child, (code) => new Error(`serve exited with ${code}: ${stderr}`));
      const died = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`serve died (${signal ?? code}): ${stderr.slice(-600)}`))));
      child.kill('SIGUSR2');
      const line = await Promise.race([died, eventually(async () => stderr.split('\n').find((l) => l.includes('unhandled promise rejection')), 10_000, 'the rejection in the log')]);
      const logged = JSON.parse(line);
      expect(logged).toMatchObject({ level: 50, err: { message: 'background task failed', stack: expect.stringContaining('reject-on-signal.mjs') } });
      expect(logged.msg).toMatch(/unhandled promise rejection; serving on/);
      await new Promise((r) => setTimeout(r, 300));
      expect(child.exitCode).toBeNull();
      expect((await fetch(url.replace(/\/mcp$/, '/health'))).status).toBe(200);
    } finally {
      await new Promise((resolveExit) => (child.exitCode === null ? (child.once('exit', resolveExit), child.kill('SIGKILL')) : resolveExit(undefined)));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
