/**
 * The MCP protocol side, transport-agnostic: tools/list and tools/call delegate to the
 * dispatcher with the request's principal (from the HTTP bearer token, or fixed for stdio).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Principal } from '../tenancy/principal.js';
import type { ToolDispatcher } from '../tools/dispatcher.js';

export const SERVER_NAME = 'debug-host';

export function principalOf(authInfo: AuthInfo | undefined, fallback?: Principal): Principal {
  const principal = (authInfo?.extra as { principal?: Principal } | undefined)?.principal ?? fallback;
  if (!principal) throw new Error('request reached the MCP server without a principal');
  return principal;
}

export function authInfoFor(principal: Principal, token: string, forwardedBy?: string): AuthInfo {
  return { token, clientId: principal.subject, scopes: [principal.role], extra: { principal, forwardedBy } };
}

/**
 * `validator`: the SDK builds a new Ajv instance per Server unless given one; the HTTP
 * server makes a Server per request, so it passes one shared validator.
 */
export function createMcpServer(dispatcher: ToolDispatcher, version: string, fixedPrincipal?: Principal, validator?: jsonSchemaValidator): Server {
  const server = new Server(
    { name: SERVER_NAME, version },
    {
      capabilities: { tools: {} },
      jsonSchemaValidator: validator,
      instructions:
        'Start, stop and watch development projects of your tenant: host.register a project once, then host.start, host.status, host.logs, host.searchLogs. Errors name the field and the fix.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async (_request, extra) => ({
    tools: dispatcher.list(principalOf(extra.authInfo, fixedPrincipal)),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) =>
    dispatcher.call(request.params.name, request.params.arguments, principalOf(extra.authInfo, fixedPrincipal), {
      token: extra.authInfo?.token,
      forwardedBy: (extra.authInfo?.extra as { forwardedBy?: string } | undefined)?.forwardedBy,
    }),
  );
  return server;
}
