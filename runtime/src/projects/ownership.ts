/**
 * Keeps every leased run on exactly one live replica, from the store's point of view:
 * - a run this replica owns but does not run (after a restart, or handed over) is started;
 * - a run whose owner left the cluster is taken over (compare-and-set on the owner, so two
 *   replicas never both take it) by the replica the ring now names, and restarted;
 * - a run this replica still runs but no longer owns, or that should no longer run, is
 *   stopped here without touching the record.
 * - a run this replica runs but the ring now gives to another live replica (one joined) is
 *   handed to it once the ring has been still for `rebalance.settleMs`, a few per pass: a Pod
 *   is let go of and adopted, so it always moves; a process has to stop here and start there,
 *   which restarts the developer's server, so it moves only with the `restart` policy.
 * On drain, this replica lets go of its runs (stops processes; Pods keep running, to be
 * adopted) and hands each to the ring's next owner.
 * It runs every `intervalMs` and at once when the ring changes (a replica left or joined),
 * starting up to `concurrency` runs at a time.
 */
import type { Logger } from 'pino';
import type { Membership } from '../cluster/membership.js';
import type { Driver } from '../drivers/driver.js';
import type { ProjectRecord } from '../domain/types.js';
import { isFencedOut } from '../store/fence.js';
import type { Store } from '../store/store.js';
import { forEachBounded } from './bounded.js';
import type { ProjectService } from './project-service.js';
import { LeaseNotHeld } from './run-supervisor.js';

export interface OwnershipDeps {
  readonly store: Store;
  readonly projects: ProjectService;
  readonly membership: Membership;
  readonly driver: Driver;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** Runs started or let go of at once, and runs moved per pass when rebalancing. @default 16 */
  readonly concurrency?: number;
  /** @default { policy: 'adopt', settleMs: 30000 } */
  readonly rebalance?: RebalanceSettings;
}

/** `off`: never; `adopt`: runs that keep running through the move (Pods); `restart`: processes too. */
export type RebalancePolicy = 'off' | 'adopt' | 'restart';

export interface RebalanceSettings {
  readonly policy: RebalancePolicy;
  /** How long the ring must be unchanged first (a rolling restart must not move runs back and forth). */
  readonly settleMs: number;
}

export class OwnershipReconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  /** The ring changed while a pass ran: run another as soon as it ends. */
  private again = false;
  private readonly concurrency: number;

  constructor(private readonly deps: OwnershipDeps) {
    this.concurrency = deps.concurrency ?? 16;
    deps.membership.onChange(() => this.kick());
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a pass now, or right after the one in flight; then every `intervalMs`. */
  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.reconcile()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'ownership reconcile failed'))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.timer = setTimeout(() => this.kick(), this.deps.intervalMs ?? 1000);
        }
      });
  }

  async reconcile(): Promise<void> {
    const { store, projects, membership } = this.deps;
    // Without the owner lease this replica acts as no one's owner (it lets go of every run when it lapses).
    if (!projects.lease.held()) return;
    const self = membership.self;
    const listedAt = Date.now();
    const wanted = await store.listDesiredRunning();
    const leased = new Map(wanted.filter((p) => p.port !== undefined).map((p) => [p.id, p]));
    const supervisor = projects.supervisor;

    // A run started here while the list was read is not in it, and is not a stray.
    // Owned here means: this replica, this run and the epoch it took the run with.
    const ownedHere = (id: string, project: ProjectRecord | undefined): boolean => {
      const fence = supervisor.fenceOf(id);
      return project !== undefined && project.owner === self && project.runId === fence?.runId && project.epoch === fence?.epoch;
    };
    const strays = supervisor.liveProjectIds().filter((id) => {
      return !projects.isBusy(id) && !ownedHere(id, leased.get(id)) && (supervisor.launchedAt(id) ?? 0) < listedAt;
    });
    await forEachBounded(strays, this.concurrency, async (id) => {
      const project = leased.get(id);
      this.deps.logger.warn({ projectId: id, owner: project?.owner }, 'letting go of a run this replica no longer owns');
      // Owned elsewhere now: let go (its new owner may have adopted the Pod); no longer wanted: stop.
      if (project) await supervisor.handOff(id);
      else await supervisor.stop(id);
    });

    const missing = [...leased.values()].filter((p) => !supervisor.isLive(p.id) && !projects.isBusy(p.id));
    await forEachBounded(missing, this.concurrency, async (project) => {
      if (project.owner === self) {
        // A pid means this replica ran it before (a restart); a handover clears the pid.
        await this.resume(project, project.pid ? 'started again after the runtime restarted' : 'started on this replica, which it was handed to');
        return;
      }
      const ownerGone = !membership.member(project.owner);
      if (ownerGone && membership.ring.ownerOf(project.id) === self) {
        const reason = `replica ${project.owner ?? '(none)'} left the cluster`;
        if (await store.tenant(project.tenantId).handOver(project.id, project.owner, self, reason, project.epoch, membership.ttl)) {
          await this.resume(project, `taken over: ${reason}`);
        }
      }
    });

    // Last, from runs that were already live when the list was read: a run handed over here
    // is then not in this pass's "missing" list, and a run started by it is left to the next.
    await this.rebalance(leased, listedAt);
  }

  /**
   * Hands runs whose ring owner is another live replica to it, like drain does one run at a
   * time: let go here first, then compare-and-set the owner, so that it never runs twice.
   */
  private async rebalance(leased: ReadonlyMap<string, ProjectRecord>, listedAt: number): Promise<void> {
    const { store, projects, membership } = this.deps;
    const { policy, settleMs } = this.deps.rebalance ?? { policy: 'adopt', settleMs: 30_000 };
    if (policy === 'off' || Date.now() - membership.ringChangedAt < settleMs) return;
    const supervisor = projects.supervisor;
    const moves: Array<{ project: ProjectRecord; to: string }> = [];
    for (const id of supervisor.liveProjectIds()) {
      const project = leased.get(id);
      const to = membership.ring.ownerOf(id);
      if (!project || project.owner !== membership.self || !to || to === membership.self || projects.isBusy(id)) continue;
      if ((supervisor.launchedAt(id) ?? 0) >= listedAt) continue;
      if (policy === 'adopt' && !supervisor.canDetach(id)) continue;
      moves.push({ project, to });
      if (moves.length >= this.concurrency) break;
    }
    await forEachBounded(moves, this.concurrency, async ({ project, to }) => {
      this.deps.logger.info({ projectId: project.id, to }, 'handing a run to its ring owner');
      await projects.handOver(store.tenant(project.tenantId), project, to, 'rebalanced after the ring changed');
    });
  }

  /** Stops every local run and hands it to the replica the ring names without this one. */
  async drain(): Promise<number> {
    const { store, projects, membership } = this.deps;
    let handed = 0;
    const mine = new Map((await store.listDesiredRunning(membership.self)).map((p) => [p.id, p]));
    await forEachBounded(projects.supervisor.liveProjectIds(), this.concurrency, async (id) => {
      const project = mine.get(id);
      const next = project && membership.ring.ownerOf(id);
      if (project && next && next !== membership.self) {
        if (await projects.handOver(store.tenant(project.tenantId), project, next, `replica ${membership.self} is draining`)) handed += 1;
      } else await projects.supervisor.handOff(id);
    });
    return handed;
  }

  private async resume(project: ProjectRecord, reason: string): Promise<void> {
    const tenant = this.deps.store.tenant(project.tenantId);
    try {
      // A pid means something only on the replica that started it: another host's pid is not ours to kill.
      if (project.pid && project.owner === this.deps.membership.self) {
        await this.deps.driver.reapOrphan({ tenantId: project.tenantId, projectId: project.id, pid: project.pid });
      }
      await this.deps.projects.resume(tenant, project, reason, this.deps.membership.self);
    } catch (error) {
      // Another replica owns it now, or this one lost its lease meanwhile: theirs to run, not lost.
      if (isFencedOut(error) || error instanceof LeaseNotHeld) {
        this.deps.logger.warn({ err: error, projectId: project.id }, 'a run was not resumed: it changed hands, or this replica lost its lease');
        return;
      }
      this.deps.logger.error({ err: error, projectId: project.id }, 'could not resume a run');
      // Only while this replica still holds it: a peer that took the run over keeps it.
      const epoch = (await tenant.getProject(project.id).catch(() => undefined))?.epoch ?? project.epoch;
      const fence = project.runId ? { runId: project.runId, owner: this.deps.membership.self, epoch } : undefined;
      await tenant.release(project.id, { state: 'lost', reason: `could not be started again: ${(error as Error).message}` }, undefined, fence).catch(() => undefined);
      // Whatever is left of it (a Pod, by name) must not run unsupervised.
      await this.deps.driver.reapOrphan({ tenantId: project.tenantId, projectId: project.id }).catch(() => undefined);
    }
  }
}
