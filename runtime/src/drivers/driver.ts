/**
 * A driver runs one project's process somewhere: a process group on this replica
 * (`process`) or a Pod in the tenant's namespace (`kubernetes`). Supervision (readiness,
 * restarts with backoff, idle reaping) is the project service's job, the same for all.
 */
import type { LogStream } from '../domain/types.js';

export interface LaunchSpec {
  readonly tenantId: string;
  readonly projectId: string;
  readonly runId: string;
  readonly command: string;
  /** Absolute workspace directory. */
  readonly workspace: string;
  /** Absolute working directory, already checked to be inside the workspace. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

export type LineListener = (stream: LogStream, line: string) => void;

export interface RunHandle {
  /** OS process id (process group leader) or undefined for remote runs. */
  readonly pid?: number;
  /** Host to probe for readiness. */
  readonly host: string;
  /** Resolves once the process has exited and every line it printed was delivered. */
  readonly exited: Promise<ExitInfo>;
  /** Graceful stop of the whole group, forced after `graceMs`. Resolves when exited. */
  stop(graceMs: number): Promise<ExitInfo>;
}

export interface Driver {
  readonly name: string;
  launch(spec: LaunchSpec, onLine: LineListener): Promise<RunHandle>;
  /** Kills a run left over from a previous life of this replica (by pid), if still alive. */
  reapOrphan(pid: number): Promise<void>;
}
