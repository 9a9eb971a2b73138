/**
 * Routes a project's calls to the replica that runs it: the current owner of a live run
 * while it is reachable (draining included), else the ring's owner. A call that lands elsewhere is forwarded once,
 * with the caller's own token, and marked so that the owner runs it itself (never twice).
 * A peer that cannot answer (transport error, timeout, 5xx) is taken out of the ring for a
 * while (circuit breaker) and the call is routed again, rather than hanging the caller; a
 * peer that answers with a refusal (a 401, a JSON-RPC error) is healthy, and its refusal is
 * the caller's answer.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { DebugHostError, type ErrorCode } from '../domain/errors.js';
import { FORWARDED_HEADER, signForward } from './forward-mark.js';
import type { Membership } from './membership.js';
import type { ProjectRoute } from './route-cache.js';
import type { Span } from '@opentelemetry/api';
import { addFacts, inSpan, SpanKind, traceHeaders } from '../tracing/spans.js';

export interface RouterOptions {
  readonly membership: Membership;
  readonly logger: Pick<Logger, 'warn'>;
  /** Shared by all replicas; signs forwarded calls. */
  readonly secret: string;
  /** Deadline of one forwarded call. @default 10000 */
  readonly timeoutMs?: number;
  /** How long an unreachable peer stays out of the ring. @default 5000 */
  readonly suspectMs?: number;
  /**
   * The retry hint of a call whose owner could not be reached: by then a dead owner has
   * usually left the ring (heartbeat TTL 4 s) or a slow one answers again. @default 2000
   */
  readonly retryAfterMs?: number;
}

/** What a forwarded call's owner sends back when it refuses the call. */
interface OwnerAnswer {
  readonly result?: CallToolResult;
  /** JSON-RPC error. */
  readonly error?: { code?: number; message?: string } | string;
  /** The HTTP layer's refusals (401 and others): `{ error: <code>, message, fix }`. */
  readonly message?: string;
  readonly fix?: string;
}

const JSON_RPC_INTERNAL_ERROR = -32603;
const HTTP_REFUSALS: Readonly<Record<number, ErrorCode>> = { 401: 'unauthenticated', 403: 'forbidden', 429: 'rate_limited' };

export class CallRouter {
  private readonly timeoutMs: number;
  private readonly suspectMs: number;
  private readonly retryAfterMs: number;
  private nextId = 1;

  constructor(private readonly options: RouterOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.suspectMs = options.suspectMs ?? 5000;
    this.retryAfterMs = options.retryAfterMs ?? 2000;
  }

  get self(): string {
    return this.options.membership.self;
  }

  ownerOf(project: ProjectRoute): string {
    const { membership } = this.options;
    // A draining owner still runs its projects until it hands them over: their calls go to it.
    if (project.port !== undefined && project.owner && membership.isReachable(project.owner)) return project.owner;
    return membership.ring.ownerOf(project.id) ?? membership.self;
  }

  /**
   * Sends the call to `owner`. Undefined when the owner could not answer (no address, a
   * transport error, the deadline, a 5xx, a body that is not JSON): it is then suspected and
   * the caller may route again. A refusal the owner answers (a 4xx, a JSON-RPC error) is
   * thrown as the caller's error; the owner stays in the ring.
   */
  async forward(owner: string, token: string, name: string, args: unknown): Promise<CallToolResult | undefined> {
    const member = this.options.membership.member(owner);
    if (!member?.address) {
      this.options.membership.suspect(owner, this.suspectMs);
      return undefined;
    }
    return inSpan('call.forward', { tool: name, replica: owner }, (span) => this.send(span, owner, member.address!, token, name, args), { kind: SpanKind.CLIENT });
  }

  /** One forwarded call, in its client span: the owner's call span becomes its child (the traceparent header). */
  private async send(span: Span, owner: string, address: string, token: string, name: string, args: unknown): Promise<CallToolResult | undefined> {
    let status: number;
    let answer: OwnerAnswer;
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method: 'tools/call', params: { name, arguments: args ?? {} } });
      const response = await fetch(`${address}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...traceHeaders(),
          [FORWARDED_HEADER]: signForward(this.options.secret, this.self, token, body),
        },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      if (status >= 500) throw new Error(`HTTP ${status}`);
      answer = (await response.json()) as OwnerAnswer;
    } catch (error) {
      this.options.logger.warn({ owner, tool: name, err: (error as Error).message }, 'forwarding failed; routing again');
      this.options.membership.suspect(owner, this.suspectMs);
      addFacts(span, { outcome: 'unreachable' });
      return undefined;
    }
    addFacts(span, { outcome: answer.result ? 'ok' : 'refused' });
    if (answer.result) return answer.result;
    throw refusalOf(name, status, answer);
  }

  /** The answer to a call whose owner could not be reached: not run here; after a timeout the owner may have run it. */
  unreachable(tool: string): DebugHostError {
    return new DebugHostError('unavailable', `${tool} could not reach the replica that runs this project, and was not run on this one.`, {
      fix: `Retry in ${this.retryAfterMs / 1000} s: that replica is restarting, overloaded, or has died and its projects are moving. If this call changes something, check its effect first (host.status).`,
      facts: { retryAfterMs: this.retryAfterMs },
    });
  }
}

/** The owner's refusal, as the caller would have had it from the owner directly. */
function refusalOf(tool: string, status: number, answer: OwnerAnswer): DebugHostError {
  if (typeof answer.error === 'object' && answer.error !== null) {
    const internal = answer.error.code === JSON_RPC_INTERNAL_ERROR;
    return new DebugHostError(internal ? 'unavailable' : 'invalid_input', `${tool} was refused: ${answer.error.message ?? `JSON-RPC error ${answer.error.code}`}.`, {
      fix: internal ? 'Retry in a moment; if it keeps failing, report it to your platform team.' : 'Check the call against tools/list and send it again.',
    });
  }
  const code = HTTP_REFUSALS[status] ?? 'invalid_input';
  return new DebugHostError(code, answer.message ?? `${tool} was refused (HTTP ${status}).`, { fix: answer.fix });
}
