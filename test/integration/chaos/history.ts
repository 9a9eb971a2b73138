/**
 * What a randomized fault run records, as plain JSON-able data: every client operation with
 * its invoke and completion times and outcome, the process samples, the faults, the runtime's
 * own journal of runs (its outbox), and the final states. The checker is a pure function of
 * this; a run writes it to a file so that a failure can be checked again and read at leisure.
 * All times are epoch milliseconds of this machine's clock (PostgreSQL runs on it too).
 */

export type OpKind = 'start' | 'stop' | 'restart';

/**
 * `ok`: acknowledged. `fail`: refused with no effect (a conflict such as "not running", a
 * connection refused). `info`: indeterminate: it may or may not have taken effect (a
 * timeout, a transport error, `unavailable` that does not say nothing was changed).
 */
export type Outcome =
  | { readonly type: 'ok'; readonly state?: string; readonly pid?: number; readonly stoppedAt?: string }
  | { readonly type: 'fail'; readonly code: string; readonly message: string }
  | { readonly type: 'info'; readonly code: string; readonly message: string; readonly retryAfterMs?: number };

export interface Operation {
  readonly id: number;
  /** `setup`, `final`, or the client loop's name. */
  readonly client: string;
  readonly tenant: string;
  readonly projectId: string;
  readonly kind: OpKind;
  /** The replica the call was sent to. */
  readonly replica: string;
  /** 1 for a first try; a retry after `unavailable` + `retryAfterMs` is the next attempt. */
  readonly attempt: number;
  readonly invokedAt: number;
  readonly completedAt: number;
  readonly outcome: Outcome;
}

/** One look at the machine's processes: the process groups of each of this run's projects that had any. */
export interface Sample {
  readonly at: number;
  readonly groups: Readonly<Record<string, readonly number[]>>;
}

export type FaultKind = 'kill' | 'pause' | 'partition' | 'terminate' | 'postgres-outage';

export interface Fault {
  readonly kind: FaultKind;
  /** The replica, or `postgres` for an outage the run did not cause (another checkout's CI). */
  readonly target: string;
  readonly startedAt: number;
  /** SIGCONT sent, cut healed, replica started again. */
  readonly healedAt?: number;
  /** The replica ready and the ring whole again. */
  readonly recoveredAt?: number;
  readonly note?: string;
}

/** A lifecycle event the runtime wrote to its outbox (`project.*`), in commit order of its id. */
export interface JournalEvent {
  readonly id: number;
  readonly projectId: string;
  /** `project.starting`, `project.started`, `project.ready`, `project.crashed`, `project.stopped`, `project.lost`, `project.handed_over`... */
  readonly type: string;
  readonly at: number;
  readonly runId?: string;
  readonly pid?: number;
  readonly reason?: string;
  /** The owner named by a claim (`starting`) or a handover (`to`). */
  readonly owner?: string;
}

export interface FinalStatus {
  readonly projectId: string;
  readonly at: number;
  /** Undefined when host.status could not be read. */
  readonly state?: string;
  readonly pid?: number;
  readonly stopReason?: string;
  readonly owner?: string;
  readonly error?: string;
}

export interface ProjectInfo {
  readonly projectId: string;
  readonly tenant: string;
  readonly name: string;
  /** What it runs: a node HTTP server on $PORT, or a shell that execs sleep. */
  readonly kind: 'web' | 'sleeper';
}

export interface History {
  readonly seed: number;
  readonly startedAt: number;
  /** When the clients and the nemesis began (after the setup). */
  faultsStartedAt: number;
  /** When the nemesis and the clients stopped. */
  faultsEndedAt: number;
  readonly projects: ProjectInfo[];
  readonly operations: Operation[];
  readonly samples: Sample[];
  readonly faults: Fault[];
  journal: JournalEvent[];
  finals: FinalStatus[];
  /** Taken with the final statuses, before the replicas are stopped. */
  finalSample?: Sample;
  /** Taken after every replica was stopped (SIGTERM, then SIGKILL) and the runtime had time to clean up. */
  orphanSample?: Sample;
  /** Retries after `unavailable` (or `rate_limited`) with `retryAfterMs`. */
  unavailableRetries: number;
  readonly notes: string[];
}

export function emptyHistory(seed: number, startedAt = Date.now()): History {
  return { seed, startedAt, faultsStartedAt: startedAt, faultsEndedAt: startedAt, projects: [], operations: [], samples: [], faults: [], journal: [], finals: [], unavailableRetries: 0, notes: [] };
}

/** Appends operations with increasing ids. */
export class OperationLog {
  private nextId = 1;

  constructor(private readonly history: History) {}

  add(op: Omit<Operation, 'id'>): Operation {
    const recorded = { id: this.nextId++, ...op };
    this.history.operations.push(recorded);
    return recorded;
  }
}

/** Whether an operation may have changed the project: acknowledged, or indeterminate. */
export const mayHaveApplied = (op: Operation): boolean => op.outcome.type !== 'fail';

/** The kind of state an acknowledged operation leaves: running after start/restart, stopped after stop. */
export const expectedState = (kind: OpKind): 'running' | 'stopped' => (kind === 'stop' ? 'stopped' : 'running');
