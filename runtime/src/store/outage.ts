/**
 * Which database errors are outages: the database is down, restarting, unreachable or not
 * answering in time. Retrying later can fix them and the caller cannot, so they are answered
 * `unavailable` with a retry hint rather than as an incident.
 */

/** An error's `code` (a SQLSTATE, or a Node code such as ECONNREFUSED), '' when it has none. */
export const codeOf = (error: unknown): string => (typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '');
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : '');

/** The pool's and the client's words for a connect that ran out of time. */
const CONNECT_TIMEOUT = /timeout exceeded when trying to connect|Connection terminated due to connection timeout/i;

/** Connecting (or waiting for a free pooled connection) ran out of time. */
export function isConnectTimeout(error: unknown): boolean {
  return CONNECT_TIMEOUT.test(messageOf(error));
}

/** The connection sent a statement and heard nothing back, not even the server's cancel. */
export function isReadTimeout(error: unknown): boolean {
  return messageOf(error) === 'Query read timeout';
}

/** No answer within the connect timeout, the statement timeout (57014) or the read timeout. */
export function isDatabaseTimeout(error: unknown): boolean {
  return codeOf(error) === '57014' || isConnectTimeout(error) || isReadTimeout(error);
}

/** Connection-level failures (refused, reset, server shutting down, class 08 and 57P0x) and timeouts. */
export function isDatabaseOutage(error: unknown): boolean {
  const code = codeOf(error);
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    /Connection terminated|connection is closed|Client has encountered a connection error/i.test(messageOf(error)) ||
    isDatabaseTimeout(error)
  );
}
