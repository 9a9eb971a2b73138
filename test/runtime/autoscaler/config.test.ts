/**
 * The autoscaler's configuration: every default (a changed default fails here), the figures
 * derived from them, and errors that name the field, the rule and the fix.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_AUTOSCALER_CONFIG,
  historySamplesToKeep,
  leadStepsOf,
  leadTimeSecondsOf,
  parseAutoscalerConfig,
  riseStepsOf,
  seasonSamplesOf,
  weeklySamplesOf,
} from '../../../runtime/src/autoscaler/config.js';
import { DebugHostError } from '../../../runtime/src/domain/errors.js';

const refusal = (input: unknown): DebugHostError => {
  try {
    parseAutoscalerConfig(input);
  } catch (error) {
    if (error instanceof DebugHostError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
};

describe('autoscaler configuration', () => {
  it('defaults to the original rules, its bounds and a 30 s period', () => {
    expect(parseAutoscalerConfig({})).toEqual({
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
    expect(parseAutoscalerConfig(undefined)).toEqual(DEFAULT_AUTOSCALER_CONFIG);
  });

  it('derives the lead time, the horizon and the season lengths in samples', () => {
    const c = DEFAULT_AUTOSCALER_CONFIG;
    expect(leadTimeSecondsOf(c)).toBe(105); // pod start 90 + one HPA sync 15
    expect(leadStepsOf(c)).toBe(5); // ceil((105 + 30) / 30): the load the next decision is too late for
    expect(riseStepsOf(c)).toBe(120);
    expect(seasonSamplesOf(c)).toBe(2880);
    expect(weeklySamplesOf(c)).toBe(20_160);
    expect(historySamplesToKeep(c)).toBe(2 * 20_160 + 2880);
    const slow = parseAutoscalerConfig({ podStartSeconds: 300, periodSeconds: 60, seasonSeconds: 86_400 });
    expect(leadStepsOf(slow)).toBe(Math.ceil((300 + 15 + 60) / 60));
    expect(seasonSamplesOf(slow)).toBe(1440);
  });

  it.each([
    [{ minReplicas: 0 }, 'minReplicas', /minReplicas must be a whole number of replicas from 1 to 1000 \(got 0\)\. Set the HPA minimum/],
    [{ maxReplicas: 2 }, 'maxReplicas', /maxReplicas must be at least minReplicas \(3\) \(got 2\)\. Raise maxReplicas or lower minReplicas\./],
    [{ periodSeconds: 0.5 }, 'periodSeconds', /periodSeconds must be a whole number of seconds from 1 to 3600 \(got 0\.5\)/],
    [{ seasonSeconds: 86_401 }, 'seasonSeconds', /seasonSeconds must be a whole number of periods \(periodSeconds 30\), at least 4 \(got 86401\)\. Set e\.g\. 86400\./],
    [{ weeklySeasonSeconds: 100_000 }, 'weeklySeasonSeconds', /must be 0 or a whole number of seasons .* Set 604800, or 0 to turn the weekly season off\./],
    [{ scaleDownCpuPercent: 90 }, 'scaleDownCpuPercent', /must be below scaleUpCpuPercent \(80\), or the rules would flap/],
    [{ scaleUpFactor: 1 }, 'scaleUpFactor', /scaleUpFactor must be a factor over 1 and at most 10 \(got 1\)\. Set e\.g\. 1\.5\./],
    [{ minConfidence: 1.2 }, 'minConfidence', /must be a fraction from 0 to 1 \(got 1\.2\)/],
    [{ floorStepDown: 10 }, 'floorStepDown', /must be 1 or at most half of maxReplicas - minReplicas \(17\): the floor never comes down in one jump/],
    [{ floorLowerHeadroom: 0.05 }, 'floorLowerHeadroom', /must be at least floorHeadroom \(0\.1\)/],
    [{ riseWindowSeconds: 60 }, 'riseWindowSeconds', /must cover the lead time plus one period \(150 s\)\|?.*Set at least 150/],
    [{ perPodTarget: '10' }, 'perPodTarget', /perPodTarget must be a number of active containers over 0 \(got "10"\)/],
    [{ minReplica: 3 }, 'minReplica', /minReplica is not a field of the autoscaler configuration\. Remove minReplica or correct the spelling; the fields are periodSeconds, /],
  ])('refuses %j naming %s, the rule and the fix', (input, field, message) => {
    const error = refusal(input);
    expect(error.code).toBe('invalid_input');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/^Autoscaler configuration: /);
    expect(error.message).toMatch(message);
    expect(error.fix).toBeTruthy();
    expect(error.facts?.rule).toBeTruthy();
  });

  it('refuses a configuration that is not an object', () => {
    const error = refusal('minReplicas=3');
    expect(error.message).toBe(
      `Autoscaler configuration: the configuration must be an object of fields (got "minReplicas=3"). Pass an object such as { "minReplicas": 3 }; the fields are ${Object.keys(DEFAULT_AUTOSCALER_CONFIG).join(', ')}.`,
    );
  });

  it('lists every problem at once', () => {
    const error = refusal({ minReplicas: 0, hpaSyncSeconds: 0 });
    expect(error.message).toMatch(/minReplicas .*hpaSyncSeconds /);
    expect((error.facts?.problems as unknown[]).length).toBe(2);
  });
});
