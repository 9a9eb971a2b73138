import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** Name prefix. @default 'debug-host' */
  readonly name?: string;
  /** Availability SLO, percent. @default 99.9 */
  readonly availabilityTarget?: number;
  /** p99 tool-call latency SLO, seconds. @default 1 */
  readonly p99LatencySeconds?: number;
  /** Tenant ids, one Grafana dashboard each. @default [] */
  readonly tenants?: readonly string[];
  /** Emit the OpenTelemetry collector config ConfigMap. @default true */
  readonly otelCollector?: boolean;
}

/** PrometheusRule, PodMonitor, Grafana dashboards, OTel collector config. (Being filled in.) */
export class Observability extends Construct {
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, _props: ObservabilityProps = {}) {
    super(scope, id);
  }
}
