/**
 * A driver runs one project's process somewhere: a process group on this replica
 * (`process`) or a Pod in the tenant's namespace (`kubernetes`). Supervision (readiness,
 * restarts with backoff, idle reaping) is the project service's job, the same for all.
 */
import type { LogStream, ReadinessCheck } from '../domain/types.js';

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
  /** The project's readiness check, for drivers that hand it to their platform (a Pod readinessProbe). @default none */
  readonly readiness?: ReadinessCheck;
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
  /**
   * Readiness as the platform reports it (a Pod's Ready condition), for runs this replica
   * cannot probe. When present it replaces the port and HTTP probes; `log` patterns still
   * apply. Resolves true when ready, false if the run ends first. @default - probed here
   */
  readonly ready?: Promise<boolean>;
  /** Graceful stop of the whole group, forced after `graceMs`. Resolves when exited. */
  stop(graceMs: number): Promise<ExitInfo>;
  /**
   * Stops supervising without ending the run, for runs that outlive this replica (a Pod):
   * the next owner adopts it. @default - absent: the run is stopped instead
   */
  detach?(): Promise<void>;
}

/** A run left over from a previous life of a replica: by pid (process) or by name (Pod). */
export interface OrphanRef {
  readonly tenantId: string;
  readonly projectId: string;
  readonly pid?: number;
}

export interface Driver {
  readonly name: string;
  launch(spec: LaunchSpec, onLine: LineListener): Promise<RunHandle>;
  /** Kills a run left over from a previous life of this replica, if still alive. */
  reapOrphan(orphan: OrphanRef): Promise<void>;
  /**
   * Whether a port can be leased: the process driver checks the host, where every project
   * shares one network. @default - any port of the tenant's range (each Pod has its own IP)
   */
  portAvailable?(port: number): Promise<boolean>;
  /**
   * Whether a project's port accepts connections, for host.checkPort. @default - a TCP
   * connect to 127.0.0.1 (processes share the host's network)
   */
  portOpen?(ref: { readonly tenantId: string; readonly projectId?: string }, port: number): Promise<boolean>;
  /** Releases watches and connections. */
  close?(): Promise<void>;
}
