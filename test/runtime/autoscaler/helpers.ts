/** Shared by the autoscaler tests: hand-made forecasts, to drive the decision exactly. */
import { DEFAULT_AUTOSCALER_CONFIG, type AutoscalerConfig } from '../../../runtime/src/autoscaler/config.js';
import { forecastStepsOf } from '../../../runtime/src/autoscaler/decide.js';
import { DEFAULT_PARAMS, type ForecastResult } from '../../../runtime/src/autoscaler/forecast.js';

/** A forecast: `values[i]` for step i + 1, the last value repeated over the horizon. */
export const forecastOf = (values: readonly number[], confidence = 0.95, config: AutoscalerConfig = DEFAULT_AUTOSCALER_CONFIG): ForecastResult => ({
  ok: true,
  values: Array.from({ length: forecastStepsOf(config) }, (_, i) => values[Math.min(i, values.length - 1)]!),
  confidence,
  backtest: [{ lead: 5, wape: 1 - confidence, samples: 2880 }],
  model: { seasons: [2880], params: DEFAULT_PARAMS, chosenBy: 'given' },
  historySamples: 5760,
});
