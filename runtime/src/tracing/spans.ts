/**
 * The spans the runtime makes, and what they may say. Attributes are only the facts in
 * `SpanFacts`, each checked against its own shape (`safeFacts`): ids, names of tools and
 * operations, outcome codes. Nothing a caller typed freely (arguments, commands, env
 * values, tokens) can reach a span, and an exception is recorded by its code, never its message.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { TENANT_ID_RULE } from '@debug-host/rules';
import { DebugHostError } from '../domain/errors.js';

const TRACER = 'debug-host';

/** What a span may carry; anything else is dropped. */
export interface SpanFacts {
  /** A tool's name from the catalog. */
  readonly tool?: string;
  /** A tenant id (the tenant rule). */
  readonly tenant?: string;
  /** A project's id (a UUID); a project's name is never recorded. */
  readonly project?: string;
  /** `ok` or an error code. */
  readonly outcome?: string;
  /** The replica a call was forwarded to or from. */
  readonly replica?: string;
  /** `db.system.name`: postgresql. */
  readonly dbSystem?: string;
  /** `db.operation.name`: the statement's first keyword (SELECT, INSERT...). */
  readonly dbOperation?: string;
  /** What a driver, Redis or readiness span did: `launch`, `stop`, `eval`, `port`... */
  readonly operation?: string;
  /** Messaging: the Kafka topic. */
  readonly topic?: string;
  /** A count (messages in a batch, rows). */
  readonly count?: number;
}

const IDENT = /^[a-z][a-z0-9._-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEYWORD = /^[A-Z]{2,16}$/;
const TOPIC = /^[a-z0-9][a-z0-9._-]{0,100}$/;
const REPLICA = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const RULES: { readonly [K in keyof Required<SpanFacts>]: { readonly key: string; readonly ok: (value: NonNullable<SpanFacts[K]>) => boolean } } = {
  tool: { key: 'debug_host.tool', ok: (v) => IDENT.test(v) },
  tenant: { key: 'debug_host.tenant', ok: (v) => TENANT_ID_RULE.test(v) },
  project: { key: 'debug_host.project', ok: (v) => UUID.test(v) },
  outcome: { key: 'debug_host.outcome', ok: (v) => IDENT.test(v) },
  replica: { key: 'debug_host.replica', ok: (v) => REPLICA.test(v) },
  dbSystem: { key: 'db.system.name', ok: (v) => IDENT.test(v) },
  dbOperation: { key: 'db.operation.name', ok: (v) => KEYWORD.test(v) },
  operation: { key: 'debug_host.operation', ok: (v) => IDENT.test(v) },
  topic: { key: 'messaging.destination.name', ok: (v) => TOPIC.test(v) },
  count: { key: 'debug_host.count', ok: (v) => Number.isSafeInteger(v) && v >= 0 },
};

/** The attributes `facts` becomes: the known facts whose value has their shape, the rest dropped. */
export function safeFacts(facts: SpanFacts): Attributes {
  const attributes: Attributes = {};
  for (const [name, value] of Object.entries(facts) as Array<[keyof SpanFacts, never]>) {
    const rule = RULES[name];
    if (rule && value !== undefined && (rule.ok as (v: unknown) => boolean)(value)) attributes[rule.key] = value;
  }
  return attributes;
}

/** Sets more facts on a span once they are known (the outcome, the resolved project). */
export function addFacts(span: Span, facts: SpanFacts): void {
  span.setAttributes(safeFacts(facts));
}

export interface SpanOptions {
  /** @default SpanKind.INTERNAL */
  readonly kind?: SpanKind;
}

/**
 * Runs `fn` in a child span of the active one. A throw ends the span as an error with the
 * error's code (a DebugHostError's, a SQLSTATE, or `error`) and is rethrown.
 */
export async function inSpan<T>(name: string, facts: SpanFacts, fn: (span: Span) => Promise<T>, options: SpanOptions = {}): Promise<T> {
  return trace.getTracer(TRACER).startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: safeFacts(facts) }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: codeOfError(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** An error's code for a span's status: never its message, which may quote the caller's input. */
export function codeOfError(error: unknown): string {
  if (error instanceof DebugHostError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,32}$/.test(code) ? code : 'error';
}

/** The active trace's `traceparent` (and `tracestate`), to send along; empty without an active span. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** Runs `fn` in the trace context `headers` carry (a forwarded call's, a Kafka message's). */
export function withRemoteParent<T>(headers: Readonly<Record<string, string | string[] | undefined>>, fn: () => T): T {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (typeof value === 'string') carrier[key.toLowerCase()] = value;
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/** `trace_id` and `span_id` of the active span, for every log line (pino's mixin); empty outside one. */
export function logTraceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}`.slice(-2) } : {};
}

/** The active span's trace id when it is sampled (an exemplar's link), else undefined. */
export function sampledTraceId(): { traceId: string; spanId: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && trace.isSpanContextValid(ctx) && (ctx.traceFlags & 1) === 1 ? { traceId: ctx.traceId, spanId: ctx.spanId } : undefined;
}

export { SpanKind };
