/**
 * Metering for billing: on the leader, every interval, one `usage.sample` event per tenant
 * (running containers, leased ports, projects, stored log volume) goes into the outbox, and
 * from there to the `debug-host.usage` topic. Samples are gauges with their time, so a
 * consumer can integrate container-seconds however its billing wants.
 */
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export interface UsageMeterOptions {
  readonly store: Store;
  readonly logger: Pick<Logger, 'warn'>;
  /** @default 60000 */
  readonly intervalMs?: number;
  /** The leader's fencing token: a deposed leader's samples are refused. @default - unfenced */
  readonly leaderEpoch?: () => number | undefined;
}

export class UsageMeter {
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: UsageMeterOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sample().catch((error: unknown) => this.options.logger.warn({ err: error }, 'usage sample failed'));
    }, this.options.intervalMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Writes one sample per active tenant. Returns how many were written. */
  async sample(at = new Date()): Promise<number> {
    const { store } = this.options;
    const epoch = this.options.leaderEpoch?.();
    let written = 0;
    for (const tenant of await store.listTenants()) {
      if (tenant.status !== 'active') continue;
      const usage = await store.tenant(tenant.id).usage();
      await store.recordEvent(tenant.id, 'usage.sample', tenant.id, {
        tenantId: tenant.id,
        at: at.toISOString(),
        containers: usage.containers.used,
        ports: usage.ports.used,
        projects: usage.projects,
        logLines: usage.logLines,
        logBytes: usage.logBytes,
        storageMiB: usage.storageMiB.used,
      }, epoch);
      written += 1;
    }
    return written;
  }
}
