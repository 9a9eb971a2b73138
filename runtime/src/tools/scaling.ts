/** The autoscaler as the platform admin sees it: the floor, the next hour's forecast, recent decisions with reasons. */
import { z } from 'zod';
import { defineTool } from './tool.js';

interface ForecastFactsJson {
  readonly ok: boolean;
  readonly confidence?: number;
  readonly peakWithinLead?: number;
  readonly peakWithinRiseWindow?: number;
  readonly neededReplicas?: number;
  readonly reason?: string;
  readonly message?: string;
}

export const clusterScalingTool = defineTool({
  name: 'cluster.scaling',
  title: 'Autoscaler state',
  description:
    "The runtime's autoscaler: the HPA floor (minReplicas) the leader set or recommends, its forecast of demand for the next hour with the confidence from its own backtest (or why there is none), and its recent decisions with their reasons.",
  permission: 'platform',
  annotations: { readOnlyHint: true },
  input: z.object({ limit: z.number().int('must be a whole number').min(1).max(200).optional().describe('Decisions to show, newest first (1-200, default 10)') }).strict(),
  async handler(args, { store }) {
    const decisions = await store.scaling.recentDecisions(args.limit ?? 10);
    const latest = decisions[0];
    if (!latest) {
      return { text: 'The autoscaler has not decided yet (no leader has run a period, or DEBUG_HOST_AUTOSCALER is off).', data: { floor: null, forecast: null, decisions: [] } };
    }
    const facts = (latest.decision.facts ?? {}) as { demand?: number; riseSteps?: number; leadTimeSeconds?: number; forecast?: ForecastFactsJson; bounds?: { min: number; max: number } };
    const f = facts.forecast;
    const forecast = f?.ok
      ? { ok: true, confidence: f.confidence, peakNextHour: f.peakWithinRiseWindow, peakWithinLead: f.peakWithinLead, neededReplicas: f.neededReplicas, demandNow: facts.demand }
      : { ok: false, reason: f?.reason ?? 'unknown', message: f?.message ?? 'The last decision carries no forecast.' };
    const at = (s: number) => new Date(s * 1000).toISOString();
    const list = decisions.map((d) => ({ at: at(d.at), leader: d.leader, mode: d.mode, floor: d.floor, reason: d.reason }));
    const head = `Floor ${latest.floor.to} (${latest.mode === 'kubernetes' ? "the HPA's minReplicas" : 'recommended, not applied'}) at ${at(latest.at)} by ${latest.leader}.`;
    const fc = forecast.ok
      ? `Forecast: peak ${Number(forecast.peakNextHour).toFixed(1)} active containers within the next hour (now ${forecast.demandNow}), confidence ${Number(forecast.confidence).toFixed(2)}.`
      : `No forecast: ${forecast.message}`;
    return {
      text: [head, fc, ...list.map((d) => `${d.at} ${d.floor.from} -> ${d.floor.to} (${d.floor.rule}): ${d.reason}`)].join('\n'),
      data: { floor: latest.floor.to, mode: latest.mode, bounds: facts.bounds ?? null, at: at(latest.at), forecast, decisions: list },
    };
  },
});
