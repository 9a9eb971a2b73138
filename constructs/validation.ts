/**
 * Early prop validation shared by every construct. Each failure names the construct, the
 * prop, what was wrong and what to set instead (pulumi-eks style), so that a bad config
 * fails at synth time with a message a user can act on, not at `kubectl apply` time.
 */
import { tenantIdProblem } from '@debug-host/rules';

/** Thrown for invalid construct props; the message says which prop and how to fix it. */
export class ConstructPropsError extends Error {
  constructor(
    readonly construct: string,
    readonly prop: string,
    problem: string,
    fix: string,
  ) {
    super(`${construct}: invalid prop '${prop}': ${problem}. ${fix}`);
    this.name = 'ConstructPropsError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A DNS-1123 label of at most `maxLength` characters (namespaces, names). */
export function requireDnsLabel(construct: string, prop: string, value: string, maxLength = 63): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !DNS_LABEL.test(value)) {
    throw new ConstructPropsError(
      construct,
      prop,
      `${JSON.stringify(value)} is not a DNS label of 1-${maxLength} characters`,
      'Use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "acme-dev").',
    );
  }
  return value;
}

/**
 * A tenant id, by the platform's one rule (@debug-host/rules, which the runtime and the
 * stacks apply too): 3-40 lowercase letters, digits and '-', a letter first, not ending in '-'.
 */
export function requireTenantId(construct: string, prop: string, value: string): string {
  const refused = tenantIdProblem(value, prop);
  if (refused) throw new ConstructPropsError(construct, prop, refused.problem, refused.fix);
  return value;
}

/** A DNS-1123 subdomain such as `debug-host.example.com`. */
export function requireDnsName(construct: string, prop: string, value: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 253 || !DNS_SUBDOMAIN.test(value)) {
    throw new ConstructPropsError(
      construct,
      prop,
      `${JSON.stringify(value)} is not a lowercase DNS name`,
      'Use a domain such as "debug-host.example.com" (lowercase, no scheme, no trailing dot).',
    );
  }
  return value;
}

/** An integer >= `min` (1 unless told). */
export function requireInt(construct: string, prop: string, value: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new ConstructPropsError(construct, prop, `${String(value)} is not ${range}`, `Set ${prop} to ${range}.`);
  }
  return value;
}

/** Parses a Kubernetes quantity ("500m", "10Gi", "2") to a number; NaN when invalid. */
export function parseQuantity(value: string): number {
  const m = QUANTITY.exec(value);
  if (!m) return Number.NaN;
  return Number(m[1]) * (SUFFIX[m[3] ?? ''] ?? Number.NaN);
}

/** A positive Kubernetes quantity; numbers are taken as plain units (cores for cpu). */
export function requireQuantity(construct: string, prop: string, value: string | number): string {
  const text = typeof value === 'number' ? String(value) : value;
  const parsed = typeof text === 'string' ? parseQuantity(text) : Number.NaN;
  if (!(parsed > 0)) {
    throw new ConstructPropsError(
      construct,
      prop,
      `${JSON.stringify(value)} is not a positive Kubernetes quantity`,
      'Use a value greater than zero such as "500m", "2", "512Mi" or "10Gi".',
    );
  }
  return text;
}

/** `value` must be one of `allowed`. */
export function requireOneOf<T extends string>(construct: string, prop: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new ConstructPropsError(construct, prop, `${JSON.stringify(value)} is not supported`, `Use one of: ${allowed.join(', ')}.`);
  }
  return value;
}

/** Fails when two entries share a key (tenant names, hostnames). */
export function requireUnique(construct: string, prop: string, values: readonly string[]): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) {
      throw new ConstructPropsError(construct, prop, `${JSON.stringify(v)} appears more than once`, 'Give every entry a unique value.');
    }
    seen.add(v);
  }
}

/** Drops keys whose value is `undefined` so that `{ ...defaults, ...stripUndefined(props) }` keeps the defaults. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
