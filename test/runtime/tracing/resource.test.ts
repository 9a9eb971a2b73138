/**
 * A span's resource says which pod sent it: the runtime takes OTEL_RESOURCE_ATTRIBUTES (the
 * DebugHost construct fills it from the downward API), and its own service name, version and
 * replica id win over anything the variable says.
 */
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startTracing } from '../../../runtime/src/tracing/tracing.js';

describe('the tracer resource', () => {
  const saved = process.env.OTEL_RESOURCE_ATTRIBUTES;
  afterEach(() => {
    if (saved === undefined) delete process.env.OTEL_RESOURCE_ATTRIBUTES;
    else process.env.OTEL_RESOURCE_ATTRIBUTES = saved;
  });

  it('carries the pod and namespace from OTEL_RESOURCE_ATTRIBUTES under the runtime\'s own service attributes', async () => {
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'k8s.pod.name=debug-host-7d9f-abcde,k8s.namespace.name=debug-host,service.name=spoofed';
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ replicaId: 'r1', version: '1.2.3', exporter, env: { OTEL_SERVICE_NAME: 'debug-host' } });
    trace.getTracer('test').startSpan('tools/call').end();
    const [span] = exporter.getFinishedSpans();
    await tracing.shutdown();
    expect(span?.resource.attributes).toMatchObject({
      'k8s.pod.name': 'debug-host-7d9f-abcde',
      'k8s.namespace.name': 'debug-host',
      'service.name': 'debug-host',
      'service.version': '1.2.3',
      'service.instance.id': 'r1',
    });
  });
});
