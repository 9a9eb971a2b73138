/** Input fields shared by several tools, each with the help text used in error fixes. */
import { TENANT_ID_RULE, tenantIdProblem } from '@debug-host/rules';
import { z } from 'zod';
import { invalid } from '../domain/errors.js';

export const projectId = z
  .string({ error: 'is required' })
  .min(1, 'must not be empty')
  .max(200, 'is too long')
  .describe('The project id returned by host.register, or the project name');

export const optionalProjectId = projectId.optional();

export const logLevel = z.enum(['debug', 'info', 'warn', 'error', 'fatal']);
export const logStream = z.enum(['stdout', 'stderr', 'system']);

export const levels = z
  .union([logLevel, z.array(logLevel).min(1)])
  .optional()
  .describe('One level or a list of: debug, info, warn, error, fatal');

export const timeBound = z
  .string()
  .min(1)
  .optional()
  .describe('An ISO 8601 time (2026-01-31T12:00:00Z) or a duration ago such as 30s, 15m, 2h, 1d');

export const limit = (fallback: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`)
    .default(fallback)
    .describe(`A whole number from 1 to ${max} (default ${fallback})`);

/** The platform's tenant-id rule (@debug-host/rules); a regex, so tools/list shows it as the `pattern`. */
export const tenantId = z
  .string({ error: 'is required' })
  .regex(TENANT_ID_RULE, { error: (issue) => tenantIdProblem(issue.input, 'tenantId')?.problem })
  .describe('A tenant id such as `acme` or `team-blue`');

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a `since`/`until` value; undefined stays undefined. */
export function parseTime(field: string, value: string | undefined, now = Date.now()): Date | undefined {
  if (value === undefined) return undefined;
  const duration = DURATION.exec(value);
  if (duration) return new Date(now - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number));
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw invalid(field, `'${value}' is neither an ISO 8601 time nor a duration`, 'Send a time such as 2026-01-31T12:00:00Z or a duration ago such as 15m.');
  }
  return parsed;
}

export const asList = <T>(value: T | readonly T[] | undefined): T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
