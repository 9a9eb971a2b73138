/**
 * OpenTelemetry tracing, configured by the standard `OTEL_*` variables and off unless an
 * OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * and `OTEL_SDK_DISABLED` is not `true`. The exporter speaks OTLP over HTTP/protobuf (the
 * spec's default), and reads its own headers, timeout and sampler variables.
 *
 * Spans are made through the OpenTelemetry API's global tracer (`spans.ts`): one provider per
 * process, which is what a replica is. Without it the API's no-op tracer answers, so the
 * code paths are the same with tracing on and off.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * Export batches of at most this many spans (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE` overrides), every
 * `DEFAULT_EXPORT_DELAY_MS` (`OTEL_BSP_SCHEDULE_DELAY`): encoding the SDK's default 512 spans
 * at once blocks the event loop long enough to show in the calls' p99 (bench:tracing: p99 1.34x
 * with the defaults, 1.03x with these).
 */
export const DEFAULT_EXPORT_BATCH = 64;
export const DEFAULT_EXPORT_DELAY_MS = 200;

/**
 * Longest a closing replica waits for its last spans to be exported: a collector that is down
 * must not eat the Pod's termination grace (the exporter alone would retry for ~10 s).
 */
export const SHUTDOWN_EXPORT_MS = 2000;

/** `service.name` when `OTEL_SERVICE_NAME` is unset. */
export const DEFAULT_SERVICE_NAME = 'debug-host';

export interface TracingOptions {
  /** `service.instance.id` of the spans. */
  readonly replicaId: string;
  /** `service.version`. */
  readonly version: string;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where spans go instead of OTLP (tests). Spans are then exported one by one. @default - OTLP when an endpoint is set */
  readonly exporter?: SpanExporter;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports what is buffered and stops; the last thing a closing replica does. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/** True when the environment asks for traces: an OTLP endpoint, and the SDK not disabled. */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

export function startTracing(options: TracingOptions): Tracing {
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) return OFF;
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter(), {
        // Given here, these win over the variables: so only when they are unset.
        maxExportBatchSize: env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? undefined : DEFAULT_EXPORT_BATCH,
        scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY ? undefined : DEFAULT_EXPORT_DELAY_MS,
      });
  const provider = new NodeTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (the constructs put the pod and namespace there) under the runtime's own.
    resource: detectResources({ detectors: [envDetector] }).merge(
      resourceFromAttributes({
        'service.name': env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
        'service.version': options.version,
        'service.instance.id': options.replicaId,
      }),
    ),
    spanProcessors: [processor],
  });
  // Registered by hand, not provider.register(): the propagator is W3C trace context only, whatever OTEL_PROPAGATORS says.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    enabled: true,
    async shutdown() {
      // Spans that cannot be exported in time are dropped: traces are best effort, shutdown is not.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([provider.shutdown().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, SHUTDOWN_EXPORT_MS)))]);
      clearTimeout(timer);
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
