/**
 * No span ever carries a token, a secret or an env value: tool calls with fuzzed inputs
 * full of them (project names, commands, env maps, search queries, ids) go through a real
 * runtime whose spans are kept in memory, and every attribute, span name and status is
 * searched for them. The facts filter itself is checked as a property too.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { inSpan, logTraceFields, safeFacts } from '../../../runtime/src/tracing/spans.js';
import { FIXTURES, SECRET, startRuntime, type Harness } from '../harness.js';

/** Secrets as a caller might paste them: long enough to be unmistakable when found. */
const secretText = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{12,40}$/).map((s) => `S3CR3T${s}`);
const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/).filter((n) => n !== 'PORT');

/** Every string a span may have put somewhere. */
function spanTexts(span: ReadableSpan): string[] {
  const texts = [span.name, span.status.message ?? ''];
  for (const value of Object.values(span.attributes)) texts.push(String(value));
  for (const event of span.events) {
    texts.push(event.name);
    for (const value of Object.values(event.attributes ?? {})) texts.push(String(value));
  }
  return texts;
}

describe('span attributes', () => {
  const exporter = new InMemorySpanExporter();
  let harness: Harness;

  beforeAll(async () => {
    harness = await startRuntime({}, undefined, { spanExporter: exporter });
  });
  afterAll(async () => harness?.close());

  it('never carry the caller token, the signing secret, an env value or free text from tool inputs', async () => {
    const token = await harness.token('default', 'admin');
    const dev = await harness.client('default', 'admin');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(secretText, secretText, envName, secretText, secretText, async (nameSecret, commandSecret, key, envSecret, querySecret) => {
        exporter.reset();
        // A run number keeps names unique: fast-check repeats values (and shrinking replays them).
        const name = `p${(run += 1)}${nameSecret.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 50)}`;
        const registered = await dev.call('host.register', { name, workspace: FIXTURES, command: `echo ${commandSecret}`, env: { [key]: envSecret } });
        expect(registered.isError, registered.text).toBe(false);
        const projectId = registered.data.projectId as string;
        await dev.call('host.status', { projectId: name });
        await dev.call('host.logs', { projectId: querySecret });
        await dev.call('host.searchLogs', { query: querySecret });
        await dev.call('tenant.create', { tenantId: querySecret });
        await dev.call('host.checkPort', { port: 2, projectId: envSecret });
        await dev.call('host.stop', { projectId });
        const spans = exporter.getFinishedSpans();
        expect(spans.some((span) => span.name === 'tool host.register')).toBe(true);
        expect(spans.some((span) => span.name.startsWith('db.'))).toBe(true);
        const forbidden = [token, SECRET, nameSecret, name, commandSecret, envSecret, querySecret, ...Object.values(process.env).filter((v): v is string => typeof v === 'string' && v.length >= 12)];
        for (const span of spans) {
          for (const text of spanTexts(span)) {
            for (const secret of forbidden) expect(text.includes(secret), `span ${span.name} carries ${secret}`).toBe(false);
          }
        }
      }),
      { numRuns: 15 },
    );
  }, 90_000); // 105 tool calls: a loaded machine is slow, not wrong

  it('nest a call\'s store queries under its span, and link its latency bucket to its trace (an OpenMetrics exemplar)', async () => {
    const dev = await harness.client('default', 'developer');
    exporter.reset();
    await dev.ok('host.list', {});
    const spans = exporter.getFinishedSpans();
    const call = spans.find((span) => span.name === 'tool host.list');
    expect(call?.attributes).toMatchObject({ 'debug_host.tool': 'host.list', 'debug_host.tenant': 'default', 'debug_host.outcome': 'ok' });
    const queries = spans.filter((span) => span.name.startsWith('db.') && span.spanContext().traceId === call!.spanContext().traceId);
    expect(queries.length).toBeGreaterThan(0);
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    for (const query of queries) {
      let parent = query.parentSpanContext?.spanId;
      while (parent && parent !== call!.spanContext().spanId) parent = byId.get(parent)?.parentSpanContext?.spanId;
      expect(parent, `${query.name} under the call span`).toBe(call!.spanContext().spanId);
    }
    const response = await fetch(harness.url.replace(/\/mcp$/, '/metrics'));
    expect(response.headers.get('content-type')).toMatch(/openmetrics/);
    const text = await response.text();
    expect(text).toMatch(new RegExp(`debug_host_tool_duration_seconds_bucket\\{[^}]*tool="host.list"[^}]*tenant="default"[^}]*\\} \\d+ # \\{trace_id="${call!.spanContext().traceId}"`));
  });

  it('put trace_id and span_id on the log lines written inside a span (the runtime logger\'s mixin), and nothing outside one', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ mixin: logTraceFields }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const ids = await inSpan('test.span', {}, async (span) => {
      logger.info('inside');
      return span.spanContext();
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', trace_id: ids.traceId, span_id: ids.spanId, trace_flags: '01' });
    expect(lines[1]?.msg).toBe('outside');
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('start a new trace for a client\'s call, whatever traceparent it sends (only a peer\'s forwarded call continues one)', async () => {
    exporter.reset();
    const foreign = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(harness.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${await harness.token('default', 'viewer')}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', traceparent: `00-${foreign}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'host.list', arguments: {} } }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const call = exporter.getFinishedSpans().find((span) => span.name === 'tool host.list');
    expect(call).toBeDefined();
    expect(call!.spanContext().traceId).not.toBe(foreign);
    expect(call!.parentSpanContext).toBeUndefined();
  });

  it('keep only the facts whose values have their shape', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (tool, tenant, project, operation) => {
        const attributes = safeFacts({ tool, tenant, project, operation, dbOperation: operation });
        for (const [key, value] of Object.entries(attributes)) {
          expect(typeof value).toBe('string');
          if (key === 'debug_host.project') expect(value).toMatch(/^[0-9a-f-]{36}$/);
          else if (key === 'debug_host.tenant') expect(value).toMatch(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/);
          else expect(value).toMatch(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/);
        }
      }),
    );
    expect(safeFacts({ tool: 'host.start', tenant: 'acme', project: '0b6f3c1e-2f1a-4c3e-9d1a-5b8e7f6a4c2d', outcome: 'ok' })).toEqual({
      'debug_host.tool': 'host.start',
      'debug_host.tenant': 'acme',
      'debug_host.project': '0b6f3c1e-2f1a-4c3e-9d1a-5b8e7f6a4c2d',
      'debug_host.outcome': 'ok',
    });
    expect(safeFacts({ project: 'web', tenant: 'Bad_Tenant', tool: 'Bearer eyJ' })).toEqual({});
  });
});
