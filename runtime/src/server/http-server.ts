/**
 * Port 2601: MCP over Streamable HTTP at /mcp, plus /health, /ready and /metrics.
 * Stateless MCP (no session affinity): each POST is served on its own, so any replica
 * can answer any call and a load balancer needs no sticky sessions.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Logger } from 'pino';
import { DebugHostError } from '../domain/errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { refusalReason, type TokenService } from '../tenancy/tokens.js';
import type { ToolDispatcher } from '../tools/dispatcher.js';
import type { JSONRPCResponse } from '@modelcontextprotocol/sdk/types.js';
import { FORWARDED_HEADER } from '../cluster/forward-mark.js';
import type { Principal } from '../tenancy/principal.js';
import { DEFAULT_HTTP_GUARDS, refuseBodyHeaders, refuseOrigin, tooLarge, type HttpGuardSettings, type Refusal } from './http-guards.js';
import { authInfoFor, createMcpServer } from './mcp-server.js';
import { withRemoteParent } from '../tracing/spans.js';

export interface HttpDeps {
  readonly dispatcher: ToolDispatcher;
  readonly tokens: TokenService;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly version: string;
  /** Facts for /health (replicaId, driver, store...). */
  readonly health: () => Promise<Record<string, unknown>>;
  /** Throws when this replica should not take traffic (store down, draining). */
  readonly ready: () => Promise<void>;
  /** Verifies a forwarded-call mark; undefined when the call was not forwarded by a peer. */
  readonly forwardedBy?: (header: string | undefined, token: string, body: Buffer) => string | undefined;
  /** Origins, body limit and client timeouts. @default DEFAULT_HTTP_GUARDS */
  readonly guards?: HttpGuardSettings;
}

export function createHttpServer(deps: HttpDeps): HttpServer {
  // One for every request's MCP Server: building an Ajv instance per request cost ~10% of a replica's CPU.
  const validator = new AjvJsonSchemaValidator();
  const guards = deps.guards ?? DEFAULT_HTTP_GUARDS;
  // Node checks the header and request timeouts on this interval (30 s by default, far past a 10 s headers timeout).
  const connectionsCheckingInterval = Math.max(250, Math.min(5000, guards.headersTimeoutMs / 2));
  const server = createServer({ connectionsCheckingInterval }, (req, res) => {
    route(deps, validator, req, res).catch((error: unknown) => {
      deps.logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal', message: 'The request failed inside the debug host.' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  // A client that trickles its headers or body holds a socket, not the replica: it is cut (408).
  server.headersTimeout = guards.headersTimeoutMs;
  server.requestTimeout = guards.requestTimeoutMs;
  return server;
}

async function route(deps: HttpDeps, validator: AjvJsonSchemaValidator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/mcp') return serveMcp(deps, validator, req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method_not_allowed' });
  switch (path) {
    case '/health':
      return sendJson(res, 200, { status: 'ok', version: deps.version, ...(await deps.health()) });
    case '/ready':
      try {
        await deps.ready();
        return sendJson(res, 200, { ready: true });
      } catch (error) {
        return sendJson(res, 503, { ready: false, reason: (error as Error).message });
      }
    case '/metrics':
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(await deps.metrics.registry.metrics());
      return;
    default:
      return sendJson(res, 404, { error: 'not_found', message: `Nothing is served at ${path}. MCP is at /mcp.` });
  }
}

async function serveMcp(deps: HttpDeps, validator: AjvJsonSchemaValidator, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const guards = deps.guards ?? DEFAULT_HTTP_GUARDS;
  const foreign = refuseOrigin(req.headers.origin, guards.allowedOrigins);
  if (foreign) return refuse(res, foreign);
  let principal;
  try {
    principal = await deps.tokens.authenticate(req.headers.authorization);
  } catch (error) {
    const known = error instanceof DebugHostError ? error : new DebugHostError('unauthenticated', 'The token could not be verified.');
    deps.metrics.tokenRefusals.inc({ reason: refusalReason(error) });
    res.setHeader('WWW-Authenticate', `Bearer realm="debug-host", error="invalid_token", error_description="${known.message.replace(/"/g, "'")}"`);
    return sendJson(res, 401, { error: 'unauthenticated', reason: refusalReason(error), message: known.message, fix: known.fix });
  }
  if (req.method !== 'POST') {
    // Stateless server: no standalone SSE stream and no sessions to delete.
    res.setHeader('Allow', 'POST');
    return sendJson(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this server is stateless; send JSON-RPC with POST.' }, id: null });
  }
  const badHeaders = refuseBodyHeaders(req, guards.maxBodyBytes);
  if (badHeaders) return refuse(res, badHeaders);
  let body: unknown;
  let raw: Buffer;
  try {
    ({ body, raw } = await readJson(req, guards.maxBodyBytes));
  } catch (error) {
    if ((error as Error).message === 'too large') return refuse(res, tooLarge(guards.maxBodyBytes));
    return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not JSON.' }, id: null });
  }
  const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
  const forwardedBy = deps.forwardedBy?.(req.headers[FORWARDED_HEADER] as string | undefined, token, raw);
  const refused = refuseAtOnce(deps, body, principal, forwardedBy);
  if (refused) return sendJson(res, 200, refused);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  const mcp = createMcpServer(deps.dispatcher, deps.version, undefined, validator);
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  const handle = () => transport.handleRequest(Object.assign(req, { auth: authInfoFor(principal, token, forwardedBy) }), res, body);
  // Only a peer's traceparent is followed: a client's would let anyone join (or flood) a trace.
  await (forwardedBy ? withRemoteParent(req.headers, handle) : handle());
}

/**
 * A tools/call whose tenant is known to be over its rate limit is answered here, with the
 * same JSON-RPC result the MCP server would send: a flood that ignores retryAfterMs then
 * costs a token check and a JSON parse per call, not an MCP server, a transport and Redis.
 */
function refuseAtOnce(deps: HttpDeps, body: unknown, principal: Principal, forwardedBy: string | undefined): JSONRPCResponse | undefined {
  // Only the method, id and tool name matter here; the arguments are never looked at.
  const request = body as { method?: unknown; id?: unknown; params?: { name?: unknown } } | null;
  const { id } = request ?? {};
  const name = request?.params?.name;
  if (request?.method !== 'tools/call' || typeof name !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  const result = deps.dispatcher.refuseAtOnce(name, principal, { forwardedBy });
  return result && { jsonrpc: '2.0', id, result };
}

/** The parsed body and its exact bytes (a forwarded call's mark covers them). */
function readJson(req: IncomingMessage, maxBodyBytes: number): Promise<{ body: unknown; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        // Stop reading: the rest is discarded and the connection closed once the answer is sent.
        req.removeAllListeners('data');
        req.pause();
        reject(new Error('too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const raw = Buffer.concat(chunks);
        resolve({ body: JSON.parse(raw.toString('utf8')) as unknown, raw });
      } catch (error) {
        reject(error as Error);
      }
    });
    req.on('error', reject);
  });
}

/** A refusal as JSON-RPC (id null: the request was not read); the connection closes after it when a body may be left unread. */
function refuse(res: ServerResponse, refusal: Refusal): void {
  if (refusal.status === 413 || refusal.status === 415) res.setHeader('connection', 'close');
  sendJson(res, refusal.status, { jsonrpc: '2.0', error: { code: -32600, message: refusal.message }, id: null });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
