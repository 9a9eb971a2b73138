import type { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { modelObject } from './common.js';
import { ConstructPropsError, requireInt, stripUndefined } from './validation.js';

/** How the runtime scales on `active_containers_per_pod`. */
export type AutoscalerKind = 'hpa' | 'keda';

/** Autoscaling bounds and targets (the seed's: min 3, max 20, cpu 70 %, memory 80 %, 10 active containers per pod). */
export interface DebugHostAutoscalingProps {
  /** @default 3 */
  readonly minReplicas?: number;
  /** @default 20 */
  readonly maxReplicas?: number;
  /** Average cpu utilisation target, percent of requests. @default 70 */
  readonly cpuUtilization?: number;
  /** Average memory utilisation target, percent of requests. @default 80 */
  readonly memoryUtilization?: number;
  /** Average `active_containers_per_pod` target. @default 10 */
  readonly activeContainersPerPod?: number;
  /** Seconds before scaling down (damped scale-down). @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /**
   * 'hpa': an autoscaling/v2 HPA whose Pods metric `active_containers_per_pod` is served by
   * prometheus-adapter; 'keda': a KEDA ScaledObject (cpu, memory and a Prometheus trigger)
   * that owns the HPA. @default 'hpa'
   */
  readonly autoscaler?: AutoscalerKind;
  /** Prometheus that KEDA queries (only with 'keda'). @default 'http://prometheus-operated.monitoring.svc:9090' */
  readonly prometheusAddress?: string;
}

export const DEFAULT_AUTOSCALING: Required<DebugHostAutoscalingProps> = Object.freeze({
  minReplicas: 3,
  maxReplicas: 20,
  cpuUtilization: 70,
  memoryUtilization: 80,
  activeContainersPerPod: 10,
  scaleDownStabilizationSeconds: 300,
  autoscaler: 'hpa',
  prometheusAddress: 'http://prometheus-operated.monitoring.svc:9090',
});

/** Applies the defaults and validates; throws naming the prop (under `autoscaling.`). */
export function resolveAutoscaling(construct: string, props: DebugHostAutoscalingProps = {}): Required<DebugHostAutoscalingProps> {
  const a = { ...DEFAULT_AUTOSCALING, ...stripUndefined(props) };
  requireInt(construct, 'autoscaling.minReplicas', a.minReplicas, 1);
  requireInt(construct, 'autoscaling.maxReplicas', a.maxReplicas, 1);
  if (a.maxReplicas < a.minReplicas) {
    throw new ConstructPropsError(construct, 'autoscaling.maxReplicas', `${a.maxReplicas} is below minReplicas ${a.minReplicas}`, 'Set maxReplicas >= minReplicas.');
  }
  requireInt(construct, 'autoscaling.cpuUtilization', a.cpuUtilization, 1, 100);
  requireInt(construct, 'autoscaling.memoryUtilization', a.memoryUtilization, 1, 100);
  requireInt(construct, 'autoscaling.activeContainersPerPod', a.activeContainersPerPod, 1);
  requireInt(construct, 'autoscaling.scaleDownStabilizationSeconds', a.scaleDownStabilizationSeconds, 0, 3600);
  if (a.autoscaler !== 'hpa' && a.autoscaler !== 'keda') {
    throw new ConstructPropsError(construct, 'autoscaling.autoscaler', `${JSON.stringify(a.autoscaler)} is not supported`, 'Use "hpa" or "keda".');
  }
  if (!/^https?:\/\/\S+$/.test(a.prometheusAddress)) {
    throw new ConstructPropsError(construct, 'autoscaling.prometheusAddress', `${JSON.stringify(a.prometheusAddress)} is not an http(s) URL`, 'Use e.g. "http://prometheus-operated.monitoring.svc:9090".');
  }
  return a;
}

/**
 * The HPA (or KEDA ScaledObject) for Deployment `target.name`.
 * @see https://keda.sh/docs/latest/scalers/prometheus/
 */
export function createAutoscaler(
  scope: Construct,
  id: string,
  a: Required<DebugHostAutoscalingProps>,
  target: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
): ApiObject {
  const metadata = { name: target.name, namespace: target.namespace, labels: { ...target.labels } };
  const behavior = {
    scaleDown: { stabilizationWindowSeconds: a.scaleDownStabilizationSeconds, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
    scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
  };
  if (a.autoscaler === 'keda') {
    return modelObject<IScaledObject>(scope, id, {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.name },
        minReplicaCount: a.minReplicas,
        maxReplicaCount: a.maxReplicas,
        advanced: { horizontalPodAutoscalerConfig: { behavior } },
        triggers: [
          { type: 'cpu', metricType: 'Utilization', metadata: { value: String(a.cpuUtilization) } },
          { type: 'memory', metricType: 'Utilization', metadata: { value: String(a.memoryUtilization) } },
          {
            type: 'prometheus',
            metricType: 'AverageValue',
            metadata: {
              serverAddress: a.prometheusAddress,
              // KEDA divides the sum by the replica count: the average per pod meets the target.
              query: `sum(active_containers_per_pod{namespace="${target.namespace}",pod=~"${target.name}-.*"})`,
              threshold: String(a.activeContainersPerPod),
            },
          },
        ],
      },
    });
  }
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, id, {
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.cpuUtilization } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: a.memoryUtilization } } },
        {
          type: 'Pods',
          pods: { metric: { name: 'active_containers_per_pod' }, target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(String(a.activeContainersPerPod)) } },
        },
      ],
      behavior,
    },
  });
}
