/**
 * The one path every tool call takes: tenant check -> role check -> rate limit -> input
 * validation -> handler -> result. Errors become MCP tool errors that say what was
 * wrong, which field, and what to do; nothing else about the runtime leaks.
 */
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { DebugHostError } from '../domain/errors.js';
import type { TenantRecord } from '../domain/types.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ProjectService } from '../projects/project-service.js';
import { isDatabaseOutage, isDatabaseTimeout } from '../store/outage.js';
import type { Store } from '../store/store.js';
import { actorOf, type Principal } from '../tenancy/principal.js';
import { LEAST_ROLE, roleAllows } from '../tenancy/roles.js';
import type { Admission } from './admission.js';
import { TOOLS } from './catalog.js';
import type { CallRouter } from '../cluster/router.js';
import type { ProjectRoute, RouteCache } from '../cluster/route-cache.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { ToolContext, ToolDefinition } from './tool.js';
import { parseInput, toInputJsonSchema } from './validation.js';

const TENANT_CACHE_MS = 1000;
/** Owners a project call is sent to before it is answered `unavailable` (each miss suspects one). */
const MAX_FORWARDS = 3;

export type CallLimiter = Pick<RateLimiter, 'take' | 'refusal'>;

/** Where a call came from: the bearer token (for forwarding) and the replica that forwarded it. */
export interface CallOrigin {
  readonly token?: string;
  readonly forwardedBy?: string;
}

export interface DispatcherDeps {
  readonly store: Store;
  readonly projects: ProjectService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly limiter?: CallLimiter;
  /** Routes project calls to their owner replica; absent on a single replica. */
  readonly router?: CallRouter;
  /** Where project calls go, cached. @default - the store is asked on every call */
  readonly routes?: RouteCache;
  /** Bounds the changing calls worked on at once. @default - unbounded */
  readonly admission?: Admission;
}

export class ToolDispatcher {
  private readonly tenants = new Map<string, { record: TenantRecord | undefined; until: number }>();
  private readonly byName = new Map<string, ToolDefinition>(TOOLS.map((tool) => [tool.name, tool]));
  private readonly descriptors: ReadonlyArray<{ tool: ToolDefinition; descriptor: Tool }>;

  constructor(private readonly deps: DispatcherDeps) {
    this.descriptors = TOOLS.map((tool) => ({
      tool,
      descriptor: {
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: toInputJsonSchema(tool.input),
        annotations: { title: tool.title, ...tool.annotations },
      },
    }));
  }

  /** The tools this principal's role may call. */
  list(principal: Principal): Tool[] {
    return this.descriptors.filter(({ tool }) => roleAllows(principal.role, tool.permission)).map(({ descriptor }) => descriptor);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * The answer to a call that its tenant's rate limit turns away, when that is known at once
   * (see RateLimiter.refusal), for the HTTP server to send before building an MCP request.
   * Undefined when the call must take the full path: forwarded calls (charged where they
   * came in), unknown tools and calls the role may not make (their own errors come first).
   */
  refuseAtOnce(name: string, principal: Principal, via: CallOrigin = {}): CallToolResult | undefined {
    const tool = this.byName.get(name);
    if (via.forwardedBy || !tool || !roleAllows(principal.role, tool.permission)) return undefined;
    const refusal = this.deps.limiter?.refusal(principal.tenantId);
    if (!refusal) return undefined;
    this.deps.metrics.toolCalls.inc({ tool: tool.name, tenant: principal.tenantId, outcome: refusal.code });
    this.deps.metrics.toolDuration.observe({ tool: tool.name, outcome: refusal.code }, 0);
    return errorResult(refusal);
  }

  async call(name: string, args: unknown, principal: Principal, via: CallOrigin = {}): Promise<CallToolResult> {
    const tool = this.byName.get(name);
    if (!tool) return errorResult(new DebugHostError('invalid_input', `There is no tool named '${name}'.`, { field: 'name', fix: 'Call tools/list to see the tools you can use.' }));
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    let moves: string | undefined;
    try {
      const input = await this.admit(tool, args, principal, via);
      // A start, stop or restart may move the project: once it is done, the next call reads the store.
      if (tool.permission !== 'read' && typeof input.projectId === 'string') moves = input.projectId;
      const forwarded = await this.routeToOwner(tool, input, args, principal, via);
      if (forwarded) {
        outcome = forwarded.isError ? 'forwarded_error' : 'forwarded';
        return forwarded;
      }
      const run = () => tool.handler(input, this.context(principal));
      // Reads never wait behind a burst of starts; changing calls take a turn or are answered overloaded.
      const result = await (tool.permission === 'read' || !this.deps.admission ? run() : this.deps.admission.run(tool.name, run));
      if (tool.permission === 'platform') this.forgetTenant((args as { tenantId?: unknown } | undefined)?.tenantId);
      return { content: [{ type: 'text', text: result.text }], structuredContent: result.data };
    } catch (error) {
      const known = error instanceof DebugHostError ? error : this.internal(error, tool.name, principal);
      outcome = known.code;
      return errorResult(known);
    } finally {
      if (moves !== undefined) await this.deps.routes?.forget(principal.tenantId, moves);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.deps.metrics.toolCalls.inc({ tool: tool.name, tenant: principal.tenantId, outcome });
      this.deps.metrics.toolDuration.observe({ tool: tool.name, outcome }, seconds);
      this.deps.metrics.observeTenantLatency(principal.tenantId, seconds);
    }
  }

  /** Role, tenant status, rate limit (charged once, where the call came in), input. */
  private async admit(tool: ToolDefinition, args: unknown, principal: Principal, via: CallOrigin): Promise<Record<string, unknown>> {
    if (!roleAllows(principal.role, tool.permission)) {
      throw new DebugHostError('forbidden', `Your role '${principal.role}' may not call ${tool.name}; it needs '${LEAST_ROLE[tool.permission]}' or above.`, {
        fix: `Ask an admin of tenant '${principal.tenantId}' for a token with role ${LEAST_ROLE[tool.permission]}.`,
      });
    }
    const tenantRecord = await this.tenantRecord(principal.tenantId);
    if (!tenantRecord) {
      throw new DebugHostError('forbidden', `Tenant '${principal.tenantId}' of your token does not exist.`, { fix: 'Ask a platform admin to create the tenant, or use a token of an existing one.' });
    }
    if (tenantRecord.status === 'suspended' && tool.permission !== 'read' && tool.permission !== 'platform') {
      throw new DebugHostError('suspended', `Tenant '${principal.tenantId}' is suspended; only read-only tools work.`, { fix: 'Ask a platform admin to resume the tenant (tenant.resume).' });
    }
    if (!via.forwardedBy) await this.deps.limiter?.take(principal.tenantId);
    return parseInput(tool.name, tool.input, args) as Record<string, unknown>;
  }

  /**
   * Calls about one project run on the replica that owns it. Returns the owner's answer,
   * or undefined to run here (this replica owns it, or the call was already forwarded).
   * Once an owner could not be reached the call never falls back to this replica: it did not
   * own the project when the call came in, and the owner may have run it already.
   */
  private async routeToOwner(tool: ToolDefinition, input: Record<string, unknown>, args: unknown, principal: Principal, via: CallOrigin): Promise<CallToolResult | undefined> {
    const router = this.deps.router;
    const idOrName = input.projectId;
    if (!router || via.forwardedBy || !via.token || typeof idOrName !== 'string') return undefined;
    const project = await this.route(principal.tenantId, idOrName);
    let owner = router.ownerOf(project);
    if (owner === router.self) return undefined;
    for (let attempt = 1; attempt <= MAX_FORWARDS && owner !== router.self; attempt += 1) {
      const result = await router.forward(owner, via.token, tool.name, args);
      if (result) return result;
      owner = router.ownerOf(project);
    }
    throw router.unreachable(tool.name);
  }

  /** The project's id and owner, from the ownership cache or else the store. */
  private async route(tenantId: string, idOrName: string): Promise<ProjectRoute> {
    const cached = await this.deps.routes?.get(tenantId, idOrName);
    if (cached) return cached;
    const project = await this.deps.projects.find(this.deps.store.tenant(tenantId), idOrName);
    this.deps.routes?.remember(tenantId, idOrName, project);
    return project;
  }

  private context(principal: Principal): ToolContext {
    return {
      principal,
      actor: actorOf(principal),
      tenant: this.deps.store.tenant(principal.tenantId),
      store: this.deps.store,
      projects: this.deps.projects,
    };
  }

  /**
   * Tenant status for every call, cached for a second: a suspension reaches other replicas
   * within that time, and the store re-checks status inside every start anyway.
   */
  private async tenantRecord(tenantId: string): Promise<TenantRecord | undefined> {
    const cached = this.tenants.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.record;
    const record = await this.deps.store.getTenant(tenantId);
    this.tenants.set(tenantId, { record, until: Date.now() + TENANT_CACHE_MS });
    return record;
  }

  /** Forgets cached tenant facts after a platform-admin change on this replica. */
  private forgetTenant(tenantId: unknown): void {
    if (typeof tenantId === 'string') this.tenants.delete(tenantId);
  }

  private internal(error: unknown, tool: string, principal: Principal): DebugHostError {
    if (isDatabaseTimeout(error)) {
      this.deps.logger.warn({ err: error, tool }, 'store did not answer in time');
      // A COMMIT whose answer never came may have been applied: say so rather than "nothing changed".
      return new DebugHostError('unavailable', `${tool} timed out waiting for the debug host's database.`, {
        fix: 'Retry in a few seconds: the database is unreachable or overloaded. If this call changes something, check its effect first (host.status, host.list).',
        facts: { retryAfterMs: 2000 },
      });
    }
    if (isDatabaseOutage(error)) {
      this.deps.logger.warn({ err: error, tool }, 'store unreachable');
      return new DebugHostError('unavailable', `${tool} could not reach the debug host's database; nothing was changed.`, {
        fix: 'Retry in a few seconds: the database is restarting or failing over.',
        facts: { retryAfterMs: 2000 },
      });
    }
    const incident = Math.random().toString(36).slice(2, 10);
    this.deps.logger.error({ err: error, tool, tenant: principal.tenantId, incident }, 'tool failed');
    return new DebugHostError('unavailable', `${tool} failed inside the debug host (incident ${incident}).`, {
      fix: 'Retry in a moment; if it keeps failing, report the incident id to your platform team.',
    });
  }
}

function errorResult(error: DebugHostError): CallToolResult {
  const text = error.fix ? `${error.message} ${error.fix}` : error.message;
  return { isError: true, content: [{ type: 'text', text }], structuredContent: { error: error.toJSON() } };
}
