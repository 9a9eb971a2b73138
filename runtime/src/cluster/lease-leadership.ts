/**
 * Leader election on a coordination.k8s.io/v1 Lease, Kubernetes' own primitive (what
 * client-go's leaderelection does; client-node has no helper). Every write is a replace
 * with the resourceVersion just read, so two replicas never both win: the API server
 * accepts one and answers 409 to the other. Expiry is judged by this replica's clock from
 * when it last saw the record change, never by comparing clocks with the holder. A leader
 * that cannot renew within `renewDeadline` steps down before anyone may take over.
 * Needs `leases: get, create, update` in the runtime namespace.
 */
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isConflict, isNotFound, messageOf } from '../drivers/kubernetes/api-errors.js';
import { LeadershipState } from './leadership.js';

export interface LeaseLeadershipOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** @default 'debug-host-leader' */
  readonly name?: string;
  /** This replica's identity in `holderIdentity`. */
  readonly identity: string;
  /** @default 15 */
  readonly leaseDurationSeconds?: number;
  /** A leader that has not renewed for this long steps down. @default 2/3 of the lease duration */
  readonly renewDeadlineMs?: number;
  /** How often to try to acquire or renew. @default 1/5 of the lease duration */
  readonly retryMs?: number;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export class LeaseLeadership extends LeadershipState {
  private readonly api: CoordinationV1Api;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private stopped = true;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private lastRenew = 0;
  /** The record as last seen and when it changed, for expiry by this replica's clock. */
  private observed?: { key: string; at: number };

  constructor(private readonly options: LeaseLeadershipOptions) {
    super();
    this.api = options.kubeConfig.makeApiClient(CoordinationV1Api);
    this.name = options.name ?? 'debug-host-leader';
    const seconds = options.leaseDurationSeconds ?? 15;
    this.durationMs = seconds * 1000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((this.durationMs * 2) / 3);
    this.retryMs = options.retryMs ?? Math.max(200, Math.floor(this.durationMs / 5));
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
  }

  /** Steps down and releases the Lease (empty holder), so that a follower takes it at once. */
  async stop(): Promise<void> {
    await this.halt();
    const wasLeader = this.isLeader;
    this.set(false);
    if (wasLeader) await this.release().catch((error: unknown) => this.options.logger.warn({ err: messageOf(error) }, 'could not release the Lease'));
  }

  /** Stops without releasing: as a crashed replica would (tests). */
  async abandon(): Promise<void> {
    await this.halt();
    this.set(false);
  }

  private async halt(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  private async tick(): Promise<void> {
    this.ticking = this.attempt()
      .then((leader) => {
        if (leader) this.lastRenew = Date.now();
        this.set(leader);
      })
      .catch((error: unknown) => {
        // The API server is unreachable: a leader keeps its role only within the renew deadline.
        if (this.isLeader && Date.now() - this.lastRenew > this.renewDeadlineMs) {
          this.options.logger.warn({ err: messageOf(error) }, 'could not renew the Lease in time; stepping down');
          this.set(false);
        }
      });
    await this.ticking;
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.retryMs);
      this.timer.unref();
    }
  }

  /** One round: create, renew, or take over an expired Lease. True when this replica holds it. */
  private async attempt(): Promise<boolean> {
    const { namespace, identity } = this.options;
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name: this.name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace }, spec: this.acquired(0) };
      return this.write(() => this.api.createNamespacedLease({ namespace, body }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${String(spec.renewTime ?? '')}|${lease.metadata?.resourceVersion ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    if (holder === identity) return this.write(() => this.replace(lease, this.renewed(lease)));
    const expired = holder === '' || Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
    if (!expired) return false;
    const transitions = (spec.leaseTransitions ?? 0) + 1;
    return this.write(() => this.replace(lease, this.acquired(transitions)));
  }

  /** A create or replace; 409 (someone else wrote first) means not leader. */
  private async write(call: () => Promise<V1Lease>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  private replace(current: V1Lease, spec: V1Lease['spec']): Promise<V1Lease> {
    const body: V1Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...current.metadata }, spec };
    return this.api.replaceNamespacedLease({ namespace: this.options.namespace, name: this.name, body });
  }

  private acquired(transitions: number): V1Lease['spec'] {
    const now = new V1MicroTime();
    return { holderIdentity: this.options.identity, leaseDurationSeconds: this.durationMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: transitions };
  }

  private renewed(lease: V1Lease): V1Lease['spec'] {
    const acquired = lease.spec?.acquireTime;
    return {
      ...lease.spec,
      acquireTime: acquired ? new V1MicroTime(acquired) : undefined,
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.durationMs / 1000,
      renewTime: new V1MicroTime(),
    };
  }

  private async release(): Promise<void> {
    const lease = await this.api.readNamespacedLease({ namespace: this.options.namespace, name: this.name });
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    const acquired = lease.spec?.acquireTime;
    await this.replace(lease, { ...lease.spec, acquireTime: acquired ? new V1MicroTime(acquired) : undefined, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime() });
  }

  protected override set(leader: boolean): boolean {
    const changed = super.set(leader, !this.stopped || !leader);
    if (changed) this.options.logger.info({ lease: this.name }, leader ? 'became leader (Lease)' : 'no longer leader (Lease)');
    return changed;
  }
}
