/** Shared helpers for the store suites: actors, project specs, unique tenant ids. */
import { DebugHostError } from '../../../runtime/src/domain/errors.js';
import type { Actor, LogLevel, LogLine, LogStream, ProjectSpec } from '../../../runtime/src/domain/types.js';

let counter = 0;
/** A fresh DNS-label tenant id, unique within the run. */
export const tenantId = (prefix = 't'): string => `${prefix}-${process.pid}-${++counter}`;

export const admin = (tenant: string): Actor => ({ subject: 'alice@example.com', role: 'admin', tenantId: tenant });
export const platformAdmin: Actor = { subject: 'root@example.com', role: 'platform-admin', tenantId: 'platform' };

export function spec(name: string, extra: Partial<ProjectSpec> = {}): ProjectSpec {
  return {
    name,
    workspace: `/srv/work/${name}`,
    command: 'node server.js',
    cwd: '.',
    env: { NODE_ENV: 'development' },
    techStack: 'node',
    readiness: { kind: 'port' },
    restart: { maxRestarts: 3, initialBackoffMs: 100, maxBackoffMs: 2000 },
    idleTimeoutSec: 0,
    ...extra,
  };
}

export function line(projectId: string, seq: number, message: string, opts: { level?: LogLevel; stream?: LogStream; ts?: Date; runId?: string } = {}): LogLine {
  return {
    projectId,
    runId: opts.runId ?? 'run-1',
    seq,
    ts: opts.ts ?? new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + seq * 1000),
    stream: opts.stream ?? 'stdout',
    level: opts.level ?? 'info',
    message,
  };
}

/** Resolves to the DebugHostError a promise rejects with; fails when it resolves or throws something else. */
export async function failure(p: Promise<unknown>): Promise<DebugHostError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DebugHostError) return err;
    throw err;
  }
  throw new Error('expected a DebugHostError, but the call succeeded');
}
