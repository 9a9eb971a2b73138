/**
 * The autoscaler part of the runtime configuration: whether the leader patches the HPA floor
 * or only records what it would do, how often it decides, and the bounds it decides within.
 * The decision's finer settings keep their defaults (autoscaler/config.ts).
 */
import { z } from 'zod';

export const autoscalerConfigFields = {
  /**
   * `kubernetes`: the leader patches its own HPA's `spec.minReplicas`; `recommend`: it only
   * records its decisions; `off`; `auto`: kubernetes when the replicas find each other through
   * Kubernetes (in a Pod), recommend elsewhere. @default 'auto'
   */
  autoscaler: z.enum(['auto', 'kubernetes', 'recommend', 'off'], { message: "DEBUG_HOST_AUTOSCALER must be 'auto', 'kubernetes', 'recommend' or 'off'" }).default('auto'),
  /** Seconds between two samples of demand and two decisions of the leader. @default 30 */
  autoscalerPeriodSec: z.coerce.number().int().min(1, 'DEBUG_HOST_AUTOSCALER_PERIOD_SEC must be at least 1').max(3600).default(30),
  /** The runtime's own HorizontalPodAutoscaler, in DEBUG_HOST_NAMESPACE. @default 'debug-host' (the DebugHost construct's) */
  autoscalerHpa: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'DEBUG_HOST_AUTOSCALER_HPA must be a Kubernetes object name').default('debug-host'),
  /** Bounds of the floor in recommend mode (in kubernetes mode the HPA's baseline and maxReplicas). @default 3 */
  autoscalerMinReplicas: z.coerce.number().int().min(1).default(3),
  /** @default 20 */
  autoscalerMaxReplicas: z.coerce.number().int().min(1).default(20),
  /** Active containers one pod serves: the HPA's `active_containers_per_pod` target. @default 10 */
  autoscalerPerPod: z.coerce.number().positive('DEBUG_HOST_AUTOSCALER_PER_POD must be over 0').default(10),
  /** Days of demand history and decisions kept in the store; at least the 15 the weekly forecast needs is kept anyway. @default 15 */
  autoscalerHistoryDays: z.coerce.number().int().min(1).max(366).default(15),
};

export const AUTOSCALER_ENV_NAMES = {
  autoscaler: 'DEBUG_HOST_AUTOSCALER',
  autoscalerPeriodSec: 'DEBUG_HOST_AUTOSCALER_PERIOD_SEC',
  autoscalerHpa: 'DEBUG_HOST_AUTOSCALER_HPA',
  autoscalerMinReplicas: 'DEBUG_HOST_AUTOSCALER_MIN_REPLICAS',
  autoscalerMaxReplicas: 'DEBUG_HOST_AUTOSCALER_MAX_REPLICAS',
  autoscalerPerPod: 'DEBUG_HOST_AUTOSCALER_PER_POD',
  autoscalerHistoryDays: 'DEBUG_HOST_AUTOSCALER_HISTORY_DAYS',
} as const;
