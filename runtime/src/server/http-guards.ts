/**
 * What port 2601 refuses before any MCP work: a browser page of another origin (DNS
 * rebinding: a page on evil.example that resolves to 127.0.0.1 must not drive the debug
 * host, as the MCP transport specification requires), a body that is not JSON by its
 * content type, and a body over the stated limit (refused by its Content-Length before a
 * byte is read, or as soon as a chunked body passes it). Slow clients are cut by the HTTP
 * server's header and request timeouts (http-server.ts applies them).
 */
import type { IncomingMessage } from 'node:http';

export interface HttpGuardSettings {
  /** Largest request body. @default 4194304 (4 MiB) */
  readonly maxBodyBytes: number;
  /**
   * Origins (scheme://host[:port]) a browser may call MCP from, besides loopback ones
   * (http://localhost, 127.0.0.1, [::1] on any port). Requests without Origin (agents, CLIs)
   * are not browsers and pass. @default [] (loopback only)
   */
  readonly allowedOrigins: readonly string[];
  /** Time for a client to send the request headers. @default 10000 */
  readonly headersTimeoutMs: number;
  /** Time for a client to send the whole request (headers and body). @default 30000 */
  readonly requestTimeoutMs: number;
}

export const DEFAULT_HTTP_GUARDS: HttpGuardSettings = Object.freeze({
  maxBodyBytes: 4 * 1024 * 1024,
  allowedOrigins: [],
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
});

/** An HTTP refusal: status, a JSON-RPC error body, and what the caller should change. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Parses DEBUG_HOST_ALLOWED_ORIGINS: a comma-separated list of origins; throws naming a bad entry. */
export function parseAllowedOrigins(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`'${entry}' is not an origin such as https://portal.example.com`);
      }
      if (url.origin === 'null' || url.pathname !== '/' || url.search || url.hash || entry.replace(/\/$/, '') !== url.origin) {
        throw new Error(`'${entry}' is not an origin (scheme://host[:port], no path) such as https://portal.example.com`);
      }
      return url.origin;
    });
}

export function refuseOrigin(origin: string | undefined, allowed: readonly string[]): Refusal | undefined {
  if (origin === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(origin);
  } catch {
    url = undefined;
  }
  if (url && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url && allowed.includes(url.origin)) return undefined;
  return {
    status: 403,
    message: `Forbidden: requests from the origin '${origin.slice(0, 200)}' are not allowed. Add it to DEBUG_HOST_ALLOWED_ORIGINS if browsers on it may call MCP.`,
  };
}

/** Refuses by headers alone: a content type other than JSON, or a declared length over the limit. */
export function refuseBodyHeaders(req: IncomingMessage, maxBodyBytes: number): Refusal | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    return {
      status: 415,
      message: `Unsupported Media Type: the body must be JSON-RPC sent as Content-Type: application/json${type ? `, not ${type.slice(0, 100)}` : ''}.`,
    };
  }
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > maxBodyBytes) return tooLarge(maxBodyBytes);
  return undefined;
}

export function tooLarge(maxBodyBytes: number): Refusal {
  return {
    status: 413,
    message: `Payload Too Large: the request body exceeds ${maxBodyBytes} bytes (DEBUG_HOST_MAX_BODY_BYTES). Send smaller arguments, e.g. fewer env entries or a shorter command.`,
  };
}
