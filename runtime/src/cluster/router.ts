/**
 * Routes a project's calls to the replica that runs it: the current owner of a live run
 * while it is active, else the ring's owner. A call that lands elsewhere is forwarded once,
 * with the caller's own token, and marked so that the owner runs it itself (never twice).
 * A peer that does not answer is taken out of the ring for a while (circuit breaker) and
 * the call is routed again, rather than hanging the caller.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Membership } from './membership.js';
import type { ProjectRoute } from './route-cache.js';

export const FORWARDED_HEADER = 'x-debug-host-forwarded-by';

/**
 * The forwarded mark is `<replica>.<hmac>` over the replica and the caller's token with the
 * cluster secret, so that a client cannot claim a call was forwarded (which skips the rate
 * limit and routing).
 */
export function signForward(secret: string, replica: string, token: string): string {
  return `${replica}.${createHmac('sha256', secret).update(`${replica}\n${token}`).digest('base64url')}`;
}

export function verifyForward(secret: string | undefined, header: string | undefined, token: string): string | undefined {
  if (!secret || !header) return undefined;
  const dot = header.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const replica = header.slice(0, dot);
  const expected = Buffer.from(signForward(secret, replica, token));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given) ? replica : undefined;
}

export interface RouterOptions {
  readonly membership: Membership;
  readonly logger: Pick<Logger, 'warn'>;
  /** Shared by all replicas; signs forwarded calls. */
  readonly secret: string;
  /** Deadline of one forwarded call. @default 10000 */
  readonly timeoutMs?: number;
  /** How long an unreachable peer stays out of the ring. @default 5000 */
  readonly suspectMs?: number;
}

export class CallRouter {
  private readonly timeoutMs: number;
  private readonly suspectMs: number;
  private nextId = 1;

  constructor(private readonly options: RouterOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.suspectMs = options.suspectMs ?? 5000;
  }

  get self(): string {
    return this.options.membership.self;
  }

  ownerOf(project: ProjectRoute): string {
    const { membership } = this.options;
    if (project.port !== undefined && project.owner && membership.isActive(project.owner)) return project.owner;
    return membership.ring.ownerOf(project.id) ?? membership.self;
  }

  /**
   * Sends the call to `owner`. Undefined when the owner could not be reached: it is then
   * suspected and the caller should route again.
   */
  async forward(owner: string, token: string, name: string, args: unknown): Promise<CallToolResult | undefined> {
    const member = this.options.membership.member(owner);
    if (!member?.address) {
      this.options.membership.suspect(owner, this.suspectMs);
      return undefined;
    }
    try {
      const response = await fetch(`${member.address}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          [FORWARDED_HEADER]: signForward(this.options.secret, this.self, token),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method: 'tools/call', params: { name, arguments: args ?? {} } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status >= 500) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { result?: CallToolResult; error?: { message: string } };
      if (!body.result) throw new Error(body.error?.message ?? 'no result');
      return body.result;
    } catch (error) {
      this.options.logger.warn({ owner, tool: name, err: (error as Error).message }, 'forwarding failed; routing again');
      this.options.membership.suspect(owner, this.suspectMs);
      return undefined;
    }
  }
}
