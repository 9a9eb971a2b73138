/**
 * Wires the autoscaler into a replica: every replica reports its load; the leader (and only
 * while it leads) runs the ScalingLeader, in Kubernetes mode against the runtime's own HPA,
 * else in recommendation mode. `DEBUG_HOST_AUTOSCALER` chooses (config-autoscaler.ts).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Leadership } from '../cluster/leadership.js';
import type { RuntimeConfig } from '../config.js';
import { DebugHostError } from '../domain/errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Store } from '../store/store.js';
import { LoadReporter } from './load-reporter.js';
import { ScalingLeader, type ScalingMode } from './scaling-leader.js';

export interface AutoscalingParts {
  readonly config: RuntimeConfig;
  readonly store: Store;
  readonly leadership: Leadership;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly running: () => number;
  readonly inFlight: () => number;
  /** Present when the runtime talks to Kubernetes (the driver, or discovery in a Pod). @default - none */
  readonly kubeConfig?: KubeConfig;
  /** The runtime found its peers through Kubernetes (it runs in a Pod under its HPA). @default false */
  readonly inKubernetes?: boolean;
}

/** Which mode `DEBUG_HOST_AUTOSCALER` resolves to, or undefined for off. */
export function autoscalerModeOf(config: Pick<RuntimeConfig, 'autoscaler'>, inKubernetes: boolean): ScalingMode | undefined {
  if (config.autoscaler === 'off') return undefined;
  if (config.autoscaler === 'auto') return inKubernetes ? 'kubernetes' : 'recommend';
  return config.autoscaler;
}

export class Autoscaling {
  private readonly reporter: LoadReporter;
  private leader?: ScalingLeader;
  readonly mode: ScalingMode | undefined;

  private constructor(private readonly parts: AutoscalingParts, mode: ScalingMode | undefined, private readonly make: (() => ScalingLeader) | undefined) {
    this.mode = mode;
    this.reporter = new LoadReporter({
      store: parts.store.scaling,
      replicaId: parts.config.replicaId,
      running: parts.running,
      inFlight: parts.inFlight,
      periodMs: parts.config.autoscalerPeriodSec * 1000,
      logger: parts.logger,
    });
  }

  static async create(parts: AutoscalingParts): Promise<Autoscaling> {
    const { config } = parts;
    const mode = autoscalerModeOf(config, parts.inKubernetes ?? false);
    if (mode === undefined) return new Autoscaling(parts, undefined, undefined);
    let hpa: import('./hpa-floor.js').HpaFloor | undefined;
    if (mode === 'kubernetes') {
      if (!parts.kubeConfig) {
        throw new DebugHostError('invalid_input', 'DEBUG_HOST_AUTOSCALER is kubernetes, but this runtime has no Kubernetes connection to patch its HPA with.', {
          field: 'DEBUG_HOST_AUTOSCALER',
          fix: 'Run the runtime in its Pod (or set KUBECONFIG), or set DEBUG_HOST_AUTOSCALER=recommend.',
        });
      }
      const { KubeHpaFloor } = await import('./hpa-floor.js');
      hpa = new KubeHpaFloor({ kubeConfig: parts.kubeConfig, namespace: config.kubeRuntimeNamespace, name: config.autoscalerHpa });
    }
    const make = () =>
      new ScalingLeader({
        store: parts.store.scaling,
        leader: config.replicaId,
        leaderEpoch: () => parts.leadership.epoch,
        ...(hpa ? { hpa } : {}),
        props: { periodSeconds: config.autoscalerPeriodSec, minReplicas: config.autoscalerMinReplicas, maxReplicas: config.autoscalerMaxReplicas, perPodTarget: config.autoscalerPerPod },
        historyDays: config.autoscalerHistoryDays,
        metrics: parts.metrics,
        logger: parts.logger,
      });
    make(); // the configuration's errors stop the start, not the first tick
    return new Autoscaling(parts, mode, make);
  }

  /** Reports load from now on; runs the leader loop while this replica leads. */
  start(): void {
    if (!this.make) return;
    this.reporter.start();
    this.parts.leadership.onChange((leads) => {
      if (leads && !this.leader) {
        this.leader = this.make!();
        this.leader.start();
      } else if (!leads && this.leader) {
        const stopping = this.leader;
        this.leader = undefined;
        void stopping.stop();
      }
    });
  }

  async close(): Promise<void> {
    this.reporter.stop();
    await this.leader?.stop();
    this.leader = undefined;
  }
}
