/**
 * Turns API server answers into the errors a user sees. A start refused by the tenant's
 * ResourceQuota becomes the same `quota_exceeded` error the store's own quota check
 * produces; an unreachable API server or missing rights become `unavailable` with the fix.
 */
import { ApiException } from '@kubernetes/client-node';
import { DebugHostError } from '../../domain/errors.js';

interface StatusBody {
  readonly reason?: string;
  readonly message?: string;
  readonly code?: number;
}

/** HTTP status of an API error, or undefined for a network failure. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const code = (error as { code?: unknown; statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;

/** The Status object's message, or the error's own. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiException) {
    const body = parseBody(error.body);
    if (body?.message) return body.message;
    return `HTTP ${error.code}`;
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return `${(error as Error).message} (${cause.code}${cause.message ? `: ${cause.message}` : ''})`;
  return (error as Error | undefined)?.message ?? String(error);
}

function parseBody(body: unknown): StatusBody | undefined {
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string') return undefined;
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return { message: body };
  }
}

/** `exceeded quota: tenant-quota, requested: pods=1, used: pods=1, limited: pods=1` */
const QUOTA = /exceeded quota: ([^,]+), requested: ([^,]+(?:,[^,:]+)*), used: ([^,]+(?:,[^,:]+)*), limited: (.+)$/;

export interface ApiContext {
  readonly tenantId: string;
  readonly namespace: string;
  /** What was being done, e.g. "create Pod p-..." */
  readonly action: string;
  /** The API server, for messages about reaching it. */
  readonly server: string;
}

export function toUserError(error: unknown, ctx: ApiContext): DebugHostError {
  if (error instanceof DebugHostError) return error;
  const status = statusOf(error);
  const message = messageOf(error);
  if (status === undefined) {
    return new DebugHostError('unavailable', `The Kubernetes API server ${ctx.server} could not be reached to ${ctx.action}: ${message}.`, {
      fix: 'Check KUBECONFIG (or the in-cluster ServiceAccount) and that the API server is up (locally: eval "$(scripts/services up)"), then call again.',
    });
  }
  if (status === 403 && message.includes('exceeded quota')) {
    const match = QUOTA.exec(message);
    const quota = match?.[1]?.trim() ?? 'unknown';
    return new DebugHostError(
      'quota_exceeded',
      `Tenant '${ctx.tenantId}' is at its Kubernetes ResourceQuota '${quota}' in namespace '${ctx.namespace}': ${match ? `requested ${match[2]}, used ${match[3]}, limited ${match[4]}` : message}.`,
      {
        fix: `Stop a running project (host.stop), or ask a platform admin to raise the tenant's quotas (the Tenant's ResourceQuota '${quota}').`,
        facts: { quota, namespace: ctx.namespace, requested: match?.[2], used: match?.[3], limit: match?.[4] },
      },
    );
  }
  if (status === 403 && /(maximum|minimum) .* usage per (Container|Pod)|must specify/.test(message)) {
    return new DebugHostError('quota_exceeded', `The tenant's LimitRange in namespace '${ctx.namespace}' refused the project's Pod: ${message}.`, {
      fix: 'Ask a platform admin to align DEBUG_HOST_KUBE_CPU_*/DEBUG_HOST_KUBE_MEMORY_* with the Tenant LimitRange.',
      facts: { namespace: ctx.namespace },
    });
  }
  if (status === 403 && message.includes('violates PodSecurity')) {
    return new DebugHostError('unavailable', `The Pod Security level of namespace '${ctx.namespace}' refused the project's Pod: ${message}.`, {
      fix: "The driver's Pods meet `restricted`; check the namespace's pod-security labels and DEBUG_HOST_KUBE_RUN_AS_USER.",
    });
  }
  if (status === 403 || status === 401) {
    return new DebugHostError('unavailable', `The runtime may not ${ctx.action} in namespace '${ctx.namespace}': ${message}.`, {
      fix: `Grant the runtime's ServiceAccount the Tenant construct's debug-host-runtime Role in '${ctx.namespace}' (pods, pods/log, services).`,
    });
  }
  if (status === 404 && /namespaces? "[^"]+" not found/.test(message)) {
    return new DebugHostError('unavailable', `Tenant '${ctx.tenantId}' has no namespace '${ctx.namespace}' on the cluster.`, {
      fix: "Apply the tenant's Tenant construct (stacks/tenants/<tenant>.ts) or check DEBUG_HOST_KUBE_NAMESPACE_PATTERN.",
    });
  }
  if (status === 422 || status === 400) {
    return new DebugHostError('invalid_input', `Kubernetes refused to ${ctx.action}: ${message}.`, {
      fix: 'Check the project command, env and port, and the DEBUG_HOST_KUBE_* settings.',
    });
  }
  return new DebugHostError('unavailable', `Kubernetes could not ${ctx.action} (HTTP ${status}): ${message}.`, { fix: 'Retry; if it persists, check the API server.' });
}
