/**
 * The nemesis: faults at random intervals, from a seeded schedule, one replica at a time so
 * that the others keep a majority:
 * - `kill`: kill -9 the replica's server process (its project processes are left alone, as
 *   when a replica process dies without its machine), then start it again, same id and port;
 * - `pause`: SIGSTOP it for longer than the membership TTL (4 s), as a long GC pause would,
 *   then SIGCONT;
 * - `partition`: cut it from PostgreSQL (its proxy swallows every byte), then heal;
 * - `terminate`: SIGTERM (a graceful drain), then start it again.
 * The schedule is a pure function of the seed (`planFaults`); executing it waits for the
 * replica to be ready and the ring whole again before the next gap, so a slow recovery shifts
 * later faults in time but never changes which come, nor overlaps two.
 */
import type { Cluster } from './cluster.js';
import { sleep } from './cluster.js';
import type { Fault, FaultKind } from './history.js';
import type { Random } from './prng.js';

export type ReplicaFault = Exclude<FaultKind, 'postgres-outage'>;

export interface PlannedFault {
  readonly index: number;
  /** Quiet time before the fault, after the previous one recovered. */
  readonly gapMs: number;
  readonly kind: ReplicaFault;
  readonly replica: string;
  /** How long the fault lasts: down, paused or cut. */
  readonly holdMs: number;
}

export interface NemesisOptions {
  /** @default kill, pause, partition, terminate, equally likely */
  readonly weights?: Readonly<Record<ReplicaFault, number>>;
  /** @default [2000, 6000] */
  readonly gapMs?: readonly [number, number];
  /** @default 60000: a replica not whole again by then is noted, and the schedule goes on. */
  readonly recoveryTimeoutMs?: number;
}

/** How long each kind holds: pauses and cuts outlast the 4 s membership TTL. */
const HOLD_MS: Readonly<Record<ReplicaFault, readonly [number, number]>> = {
  kill: [1000, 6000],
  pause: [5000, 10_000],
  partition: [5000, 12_000],
  terminate: [0, 3000],
};

/** The first `count` faults of the schedule for this random stream. */
export function planFaults(random: Random, replicaIds: readonly string[], count: number, options: NemesisOptions = {}): PlannedFault[] {
  const weights = options.weights ?? { kill: 1, pause: 1, partition: 1, terminate: 1 };
  const [gapMin, gapMax] = options.gapMs ?? [2000, 6000];
  return Array.from({ length: count }, (_, index) => {
    const gapMs = random.int(gapMin, gapMax);
    const kind = random.weighted(weights);
    const replica = random.pick(replicaIds);
    const [holdMin, holdMax] = HOLD_MS[kind];
    return { index, gapMs, kind, replica, holdMs: random.int(holdMin, holdMax) };
  });
}

export function describeFault(f: PlannedFault): string {
  return `#${f.index} ${f.kind} ${f.replica} for ${(f.holdMs / 1000).toFixed(1)} s after ${(f.gapMs / 1000).toFixed(1)} s`;
}

export class Nemesis {
  private readonly abort = new AbortController();
  private done?: Promise<void>;

  constructor(
    private readonly cluster: Cluster,
    private readonly plan: readonly PlannedFault[],
    private readonly faults: Fault[],
    private readonly log: (line: string) => void,
    private readonly options: NemesisOptions = {},
  ) {}

  /** Runs the schedule until `stop()` (or its end). */
  start(): void {
    this.done = this.loop();
  }

  /** Ends the fault in progress at once (heals, restarts) and waits for the ring to be whole. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    for (const planned of this.plan) {
      await sleep(planned.gapMs, signal);
      // A replica a failed fault left down comes back first: never two faulted at once.
      for (const replica of this.cluster.replicas.filter((r) => !this.cluster.isAlive(r))) {
        await this.relaunch({ ...planned, replica: replica.id }).catch((error: unknown) => this.log(`nemesis: ${(error as Error).message.slice(0, 300)}`));
      }
      if (signal.aborted) return;
      this.log(`nemesis ${describeFault(planned)}`);
      let fault: Omit<Fault, 'recoveredAt'>;
      try {
        fault = await this.inflict(planned, signal);
      } catch (error) {
        fault = { kind: planned.kind, target: planned.replica, startedAt: Date.now(), note: `failed: ${(error as Error).message.slice(0, 300)}` };
        this.log(`nemesis: #${planned.index} failed: ${(error as Error).message.slice(0, 300)}`);
      }
      const recovered = await this.cluster.whole(this.options.recoveryTimeoutMs ?? 60_000);
      const note = recovered ? fault.note : [fault.note, 'the ring was not whole again within the recovery timeout'].filter(Boolean).join('; ');
      this.faults.push({ ...fault, recoveredAt: Date.now(), ...(note ? { note } : {}) });
      if (!recovered) this.log(`nemesis: ${planned.replica} not whole again after #${planned.index}`);
    }
  }

  /** One fault: inflict, hold (cut short by `signal`), heal. Always heals. */
  private async inflict(planned: PlannedFault, signal: AbortSignal): Promise<Omit<Fault, 'recoveredAt'>> {
    const replica = this.cluster.replica(planned.replica);
    const startedAt = Date.now();
    const base = { kind: planned.kind, target: replica.id, startedAt };
    switch (planned.kind) {
      case 'kill':
        await this.cluster.signalAndWait(replica, 'SIGKILL');
        await sleep(planned.holdMs, signal);
        return { ...base, healedAt: Date.now(), note: await this.relaunch(planned) };
      case 'terminate': {
        const began = Date.now();
        await this.cluster.signalAndWait(replica, 'SIGTERM');
        const drainedMs = Date.now() - began;
        await sleep(planned.holdMs, signal);
        const failed = await this.relaunch(planned);
        return { ...base, healedAt: Date.now(), note: [`drained in ${drainedMs} ms`, failed].filter(Boolean).join('; ') };
      }
      case 'pause':
        this.cluster.pause(replica);
        await sleep(planned.holdMs, signal);
        this.cluster.resume(replica);
        return { ...base, healedAt: Date.now() };
      case 'partition':
        this.cluster.partition(replica);
        await sleep(planned.holdMs, signal);
        this.cluster.heal(replica);
        return { ...base, healedAt: Date.now() };
    }
  }

  /** Starts the replica again; retries a start that fails (a port briefly taken), says so. */
  private async relaunch(planned: PlannedFault): Promise<string | undefined> {
    const replica = this.cluster.replica(planned.replica);
    const errors: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      try {
        await this.cluster.launch(replica);
        return errors.length ? `started again after ${errors.length} failed start(s): ${errors.join(' | ').slice(0, 300)}` : undefined;
      } catch (error) {
        errors.push((error as Error).message);
        this.log(`nemesis: restarting ${replica.id} failed: ${(error as Error).message.slice(0, 200)}`);
        await sleep(1000);
      }
    }
    throw new Error(`replica ${replica.id} could not be started again: ${errors.join(' | ')}`);
  }
}
