/**
 * The autoscaler's configuration: the props (every field optional, its default beside it),
 * the zod schema that checks them, and the figures derived from them (lead time, horizon,
 * season lengths in samples). Errors name the field, the rule and the fix.
 */
import { z } from 'zod';
import { DebugHostError } from '../domain/errors.js';

export interface AutoscalerProps {
  /** Seconds between two samples of demand, and between two decisions of the leader. @default 30 */
  readonly periodSeconds?: number;
  /** The season of the forecast (a day); a whole number of periods. @default 86400 */
  readonly seasonSeconds?: number;
  /** The long season (a week), used once there are two of it in the history; a whole number of seasons, or 0 to turn it off. @default 604800 */
  readonly weeklySeasonSeconds?: number;
  /** The configured minimum: the floor never goes below it. @default 3 */
  readonly minReplicas?: number;
  /** The floor, and the baseline rule, never go above it. @default 20 */
  readonly maxReplicas?: number;
  /** Baseline rule: scale up when the replicas' average cpu is over this, percent. @default 80 */
  readonly scaleUpCpuPercent?: number;
  /** Baseline rule: scale up when the replicas' average memory is over this, percent. @default 85 */
  readonly scaleUpMemoryPercent?: number;
  /** Baseline rule: scale down when cpu is under this and memory under `scaleDownMemoryPercent`. @default 30 */
  readonly scaleDownCpuPercent?: number;
  /** @default 40 */
  readonly scaleDownMemoryPercent?: number;
  /** Baseline rule: replicas times this, rounded up, on scale-up. @default 1.5 */
  readonly scaleUpFactor?: number;
  /** Baseline rule: replicas removed on one scale-down. @default 1 */
  readonly scaleDownStep?: number;
  /** Active containers one pod serves at the HPA's target (`active_containers_per_pod`): turns forecast demand into pods. @default 10 */
  readonly perPodTarget?: number;
  /** The floor is raised only when the forecast's confidence is over this; under it, it walks back to the minimum. @default 0.8 */
  readonly minConfidence?: number;
  /**
   * The floor leaves the minimum only when the expected rise (the peak within
   * `riseWindowSeconds` over the current demand, minus 1) is over this too; above the minimum
   * it follows the confident forecast. @default 0.5
   */
  readonly minRise?: number;
  /** How far ahead the expected rise is looked for. @default 3600 */
  readonly riseWindowSeconds?: number;
  /** From a pod's creation to its readiness. @default 90 */
  readonly podStartSeconds?: number;
  /** The HPA controller's sync period (kube-controller-manager `--horizontal-pod-autoscaler-sync-period`). @default 15 */
  readonly hpaSyncSeconds?: number;
  /** The raised floor is sized for the forecast peak times 1 + this. @default 0.1 (the HPA's tolerance) */
  readonly floorHeadroom?: number;
  /**
   * The floor comes down only towards the pods the forecast peak needs with this headroom; more
   * than `floorHeadroom`, so that a forecast wobbling at a pod's boundary does not flap it. @default 0.2
   */
  readonly floorLowerHeadroom?: number;
  /** Replicas the floor comes down by in one step. @default 1 */
  readonly floorStepDown?: number;
  /** Periods between two steps down (and after a raise before the first). @default 4 */
  readonly floorStepDownEveryPeriods?: number;
}

export type AutoscalerConfig = Readonly<Required<AutoscalerProps>>;

export const DEFAULT_AUTOSCALER_CONFIG: AutoscalerConfig = Object.freeze({
  periodSeconds: 30,
  seasonSeconds: 86_400,
  weeklySeasonSeconds: 604_800,
  minReplicas: 3,
  maxReplicas: 20,
  scaleUpCpuPercent: 80,
  scaleUpMemoryPercent: 85,
  scaleDownCpuPercent: 30,
  scaleDownMemoryPercent: 40,
  scaleUpFactor: 1.5,
  scaleDownStep: 1,
  perPodTarget: 10,
  minConfidence: 0.8,
  minRise: 0.5,
  riseWindowSeconds: 3600,
  podStartSeconds: 90,
  hpaSyncSeconds: 15,
  floorHeadroom: 0.1,
  floorLowerHeadroom: 0.2,
  floorStepDown: 1,
  floorStepDownEveryPeriods: 4,
});

/** Each field's rule in words and what to set instead: the error text. */
interface Rule {
  readonly schema: z.ZodNumber;
  readonly rule: string;
  readonly fix: string;
}

const int = (min: number, max: number, unit: string, fix: string): Rule => ({
  schema: z.number().int().min(min).max(max),
  rule: `must be a whole number of ${unit} from ${min} to ${max}`,
  fix,
});
const num = (min: number, max: number, rule: string, fix: string, exclusiveMin = false): Rule => ({
  schema: exclusiveMin ? z.number().gt(min).max(max) : z.number().min(min).max(max),
  rule,
  fix,
});
const percent = (fix: string): Rule => num(0, 100, 'must be a percentage from 0 to 100', fix);

const RULES: Readonly<Record<keyof AutoscalerConfig, Rule>> = {
  periodSeconds: int(1, 3600, 'seconds', 'Set how often the leader samples and decides, e.g. 30.'),
  seasonSeconds: int(60, 31 * 86_400, 'seconds', 'Set the length of the daily cycle, 86400.'),
  weeklySeasonSeconds: int(0, 366 * 86_400, 'seconds', 'Set 604800 for a weekly season, or 0 to turn it off.'),
  minReplicas: int(1, 1000, 'replicas', 'Set the HPA minimum the stack configures, e.g. 3.'),
  maxReplicas: int(1, 1000, 'replicas', 'Set the HPA maximum the stack configures, e.g. 20.'),
  scaleUpCpuPercent: percent('Set e.g. 80.'),
  scaleUpMemoryPercent: percent('Set e.g. 85.'),
  scaleDownCpuPercent: percent('Set e.g. 30.'),
  scaleDownMemoryPercent: percent('Set e.g. 40.'),
  scaleUpFactor: num(1, 10, 'must be a factor over 1 and at most 10', 'Set e.g. 1.5.', true),
  scaleDownStep: int(1, 1000, 'replicas', 'Set e.g. 1.'),
  perPodTarget: num(0, 1e6, 'must be a number of active containers over 0', 'Set the HPA target of active_containers_per_pod, e.g. 10.', true),
  minConfidence: num(0, 1, 'must be a fraction from 0 to 1', 'Set e.g. 0.8.'),
  minRise: num(0, 100, 'must be a fraction over 0 (0.5 is a 50 % rise)', 'Set e.g. 0.5.', true),
  riseWindowSeconds: int(1, 31 * 86_400, 'seconds', 'Set e.g. 3600.'),
  podStartSeconds: int(0, 3600, 'seconds', 'Set the time from pod creation to readiness, e.g. 90.'),
  hpaSyncSeconds: int(1, 600, 'seconds', "Set kube-controller-manager's --horizontal-pod-autoscaler-sync-period, 15 by default."),
  floorHeadroom: num(0, 1, 'must be a fraction from 0 to 1', 'Set e.g. 0.1.'),
  floorLowerHeadroom: num(0, 2, 'must be a fraction from 0 to 2', 'Set e.g. 0.2.'),
  floorStepDown: int(1, 1000, 'replicas', 'Set e.g. 1.'),
  floorStepDownEveryPeriods: int(1, 10_000, 'periods', 'Set e.g. 4.'),
};

const FIELDS = Object.keys(DEFAULT_AUTOSCALER_CONFIG) as Array<keyof AutoscalerConfig>;

/** The schema: known fields only, each defaulted, then the rules between fields. */
export const autoscalerConfigSchema = z
  .strictObject(Object.fromEntries(FIELDS.map((f) => [f, RULES[f].schema.default(DEFAULT_AUTOSCALER_CONFIG[f])])) as Record<keyof AutoscalerConfig, z.ZodDefault<z.ZodNumber>>)
  .superRefine((c, ctx) => {
    // A custom issue's message is 'rule|fix'; parseAutoscalerConfig splits it.
    const problem = (field: keyof AutoscalerConfig, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (c.maxReplicas < c.minReplicas) problem('maxReplicas', `must be at least minReplicas (${c.minReplicas})|Raise maxReplicas or lower minReplicas.`);
    if (c.seasonSeconds % c.periodSeconds !== 0 || c.seasonSeconds / c.periodSeconds < 4) {
      problem('seasonSeconds', `must be a whole number of periods (periodSeconds ${c.periodSeconds}), at least 4|Set e.g. ${Math.max(4, Math.round(86_400 / c.periodSeconds)) * c.periodSeconds}.`);
    }
    if (c.weeklySeasonSeconds !== 0 && (c.weeklySeasonSeconds % c.seasonSeconds !== 0 || c.weeklySeasonSeconds < 2 * c.seasonSeconds)) {
      problem('weeklySeasonSeconds', `must be 0 or a whole number of seasons (seasonSeconds ${c.seasonSeconds}), at least 2|Set ${7 * c.seasonSeconds}, or 0 to turn the weekly season off.`);
    }
    if (c.scaleDownCpuPercent >= c.scaleUpCpuPercent) problem('scaleDownCpuPercent', `must be below scaleUpCpuPercent (${c.scaleUpCpuPercent}), or the rules would flap|Lower it, e.g. to 30.`);
    if (c.scaleDownMemoryPercent >= c.scaleUpMemoryPercent) problem('scaleDownMemoryPercent', `must be below scaleUpMemoryPercent (${c.scaleUpMemoryPercent}), or the rules would flap|Lower it, e.g. to 40.`);
    if (c.floorLowerHeadroom < c.floorHeadroom) problem('floorLowerHeadroom', `must be at least floorHeadroom (${c.floorHeadroom}), or the floor would come down below what the next decision raises it to|Set e.g. ${Math.min(2, 2 * c.floorHeadroom)}.`);
    const range = c.maxReplicas - c.minReplicas;
    if (c.floorStepDown !== 1 && 2 * c.floorStepDown > range) {
      problem('floorStepDown', `must be 1 or at most half of maxReplicas - minReplicas (${range}): the floor never comes down in one jump|Set 1.`);
    }
    const lead = leadStepsOf(c) * c.periodSeconds;
    if (c.riseWindowSeconds < lead) problem('riseWindowSeconds', `must cover the lead time plus one period (${lead} s)|Set at least ${lead}, e.g. 3600.`);
    if (c.riseWindowSeconds > c.seasonSeconds) problem('riseWindowSeconds', `must not exceed seasonSeconds (${c.seasonSeconds})|Set e.g. 3600.`);
  });

/** Validates and defaults; throws one `invalid_input` error listing every problem. */
export function parseAutoscalerConfig(input: unknown = {}): AutoscalerConfig {
  const parsed = autoscalerConfigSchema.safeParse(input ?? {});
  if (parsed.success) return Object.freeze(parsed.data);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const problems = parsed.error.issues.map((issue) => {
    if (issue.path.length === 0 && issue.code !== 'unrecognized_keys') {
      return { field: '', rule: 'the configuration must be an object of fields', got: JSON.stringify(input), fix: `Pass an object such as { "minReplicas": 3 }; the fields are ${FIELDS.join(', ')}.` };
    }
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.join(', ');
      return { field: issue.keys[0] ?? '', rule: 'is not a field of the autoscaler configuration', fix: `Remove ${keys} or correct the spelling; the fields are ${FIELDS.join(', ')}.` };
    }
    const field = String(issue.path[0]) as keyof AutoscalerConfig;
    const [rule, fix] = issue.code === 'custom' ? issue.message.split('|') : [RULES[field]?.rule ?? issue.message, RULES[field]?.fix];
    return { field, rule: rule ?? issue.message, got: JSON.stringify(raw[field] ?? null), fix: fix ?? 'See the autoscaler configuration reference.' };
  });
  const first = problems[0]!;
  const text = problems.map((p) => `${p.field ? `${p.field} ` : ''}${p.rule}${p.got === undefined ? '' : ` (got ${p.got})`}. ${p.fix}`).join(' ');
  throw new DebugHostError('invalid_input', `Autoscaler configuration: ${text}`, { field: first.field, fix: first.fix, facts: { rule: first.rule, problems } });
}

/** How long before a load arrives the floor must be raised: pod start plus one HPA sync. */
export const leadTimeSecondsOf = (c: Pick<AutoscalerConfig, 'podStartSeconds' | 'hpaSyncSeconds'>): number => c.podStartSeconds + c.hpaSyncSeconds;

/**
 * Forecast steps the floor is sized over: the lead time plus one period, in periods. A load
 * that arrives before the next decision's lead time is past can only be met by this one.
 */
export const leadStepsOf = (c: Pick<AutoscalerConfig, 'podStartSeconds' | 'hpaSyncSeconds' | 'periodSeconds'>): number =>
  Math.ceil((leadTimeSecondsOf(c) + c.periodSeconds) / c.periodSeconds);

export const riseStepsOf = (c: Pick<AutoscalerConfig, 'riseWindowSeconds' | 'periodSeconds'>): number => Math.ceil(c.riseWindowSeconds / c.periodSeconds);

export const seasonSamplesOf = (c: Pick<AutoscalerConfig, 'seasonSeconds' | 'periodSeconds'>): number => c.seasonSeconds / c.periodSeconds;

export const weeklySamplesOf = (c: Pick<AutoscalerConfig, 'weeklySeasonSeconds' | 'periodSeconds'>): number => c.weeklySeasonSeconds / c.periodSeconds;

/**
 * Rows the store's bounded history table keeps: two long seasons (the weekly model needs
 * them) and one season more, so trimming to the bound never takes it under two weeks.
 */
export const historySamplesToKeep = (c: AutoscalerConfig): number =>
  2 * Math.max(weeklySamplesOf(c), seasonSamplesOf(c)) + seasonSamplesOf(c);
