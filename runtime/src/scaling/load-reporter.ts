/**
 * Every replica, every period: its load into the store (platform.replica_load), where the
 * leader sums the cluster's demand. cpu is this process's share of one core over the period;
 * memory its resident set over the cgroup's limit (unknown without one).
 */
import type { Logger } from 'pino';
import type { ReplicaLoad, ScalingStore } from '../store/scaling.js';

export interface LoadReporterOptions {
  readonly store: Pick<ScalingStore, 'reportLoad'>;
  readonly replicaId: string;
  /** Projects running on this replica. */
  readonly running: () => number;
  /** Changing tool calls running and waiting (tools/admission.ts), the same the `debug_host_changing_calls` gauge shows. */
  readonly inFlight: () => number;
  readonly periodMs: number;
  readonly logger: Pick<Logger, 'warn'>;
}

export class LoadReporter {
  private timer?: NodeJS.Timeout;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();

  constructor(private readonly options: LoadReporterOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.report().catch((err: unknown) => this.options.logger.warn({ err }, 'load report failed')), this.options.periodMs);
    this.timer.unref();
    void this.report().catch((err: unknown) => this.options.logger.warn({ err }, 'load report failed'));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The load now; cpu over the time since the previous call. */
  sample(): ReplicaLoad {
    const cpu = process.cpuUsage(this.lastCpu);
    const now = performance.now();
    const wallMs = now - this.lastAt;
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const limit = process.constrainedMemory();
    const cpuPercent = wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : undefined;
    // constrainedMemory() is 0 or a huge number when no cgroup limit applies.
    const memoryPercent = limit > 0 && limit < 2 ** 50 ? (process.memoryUsage.rss() / limit) * 100 : undefined;
    return {
      id: this.options.replicaId,
      running: this.options.running(),
      inFlight: this.options.inFlight(),
      ...(cpuPercent === undefined ? {} : { cpuPercent }),
      ...(memoryPercent === undefined ? {} : { memoryPercent }),
    };
  }

  report(): Promise<void> {
    return this.options.store.reportLoad(this.sample());
  }
}
