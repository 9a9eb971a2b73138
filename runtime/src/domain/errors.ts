/**
 * Errors a user sees. Each says what was wrong, which field, and what to do; the tool
 * layer turns them into MCP error results, the HTTP layer into status codes.
 */
/** Every code a tool error may carry: clients branch on these, so the list only grows. */
export const ERROR_CODES = [
  'invalid_input', // a field failed validation
  'not_found', // missing, or another tenant's (indistinguishable on purpose)
  'conflict', // the request clashes with current state (name taken, already running)
  'quota_exceeded',
  'forbidden', // authenticated, but the role does not allow it
  'unauthenticated',
  'suspended', // the tenant is suspended
  'rate_limited',
  'overloaded', // this replica has as much work as it takes; retry after retryAfterMs
  'unavailable', // a dependency is down; retry later
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetail {
  /** The input field at fault, as the caller named it (`workspace`, `env.PATH`). */
  readonly field?: string;
  /** What the caller can do about it. */
  readonly fix?: string;
  /** Extra structured facts (limit, used, retryAfterMs). */
  readonly facts?: Readonly<Record<string, unknown>>;
}

export class DebugHostError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly fix?: string;
  readonly facts?: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, detail: ErrorDetail = {}) {
    super(message);
    this.name = 'DebugHostError';
    this.code = code;
    this.field = detail.field;
    this.fix = detail.fix;
    this.facts = detail.facts;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, field: this.field, fix: this.fix, ...this.facts };
  }
}

export const notFound = (what: string, id: string): DebugHostError =>
  new DebugHostError('not_found', `${what} '${id}' was not found in this tenant.`, {
    field: what === 'project' ? 'projectId' : undefined,
    fix: `Call host.list to see the ${what}s you can use.`,
  });

export const invalid = (field: string, message: string, fix: string): DebugHostError =>
  new DebugHostError('invalid_input', `${field}: ${message}`, { field, fix });
