/**
 * The clients of a fault run: loops that call host.start, host.stop and host.restart on
 * their tenant's projects at random, each through a random replica that a load balancer
 * polling /ready would send it to, as stateless JSON-RPC posts. Every attempt is recorded
 * with its invoke and completion time and an outcome: acknowledged, refused (no effect), or
 * indeterminate (a timeout, a transport error, `unavailable`); `unavailable` and
 * `rate_limited` are retried after their `retryAfterMs`, as a client should.
 */
import type { Cluster, Replica } from './cluster.js';
import { sleep } from './cluster.js';
import type { History, OpKind, OperationLog, Outcome } from './history.js';
import type { Random } from './prng.js';

/** A call that has not answered by then is indeterminate. */
export const CALL_TIMEOUT_MS = 15_000;
/** How long one intent is retried after `unavailable` before the client gives up on it. */
const RETRY_FOR_MS = 20_000;

export interface ToolAnswer {
  readonly isError: boolean;
  readonly data: Record<string, any>;
  readonly text: string;
}

/** One tools/call; throws on a transport error, a timeout, or an answer that is no tool result. */
export async function callTool(replica: Replica, token: string, name: string, args: Record<string, unknown>, timeoutMs = CALL_TIMEOUT_MS): Promise<ToolAnswer> {
  const response = await fetch(`${replica.base}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json()) as { result?: { isError?: boolean; content: Array<{ text: string }>; structuredContent?: Record<string, any> }; error?: { message: string } };
  if (!body.result) throw new HttpRefusal(response.status, body.error?.message ?? JSON.stringify(body).slice(0, 200));
  return { isError: body.result.isError === true, text: body.result.content.map((c) => c.text).join('\n'), data: body.result.structuredContent ?? {} };
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(`HTTP ${status}: ${message}`);
  }
}

/** Error codes that say the call changed nothing. */
const NO_EFFECT = new Set(['not_found', 'invalid_input', 'forbidden', 'unauthenticated', 'rate_limited', 'quota_exceeded', 'suspended']);

/** What an answer (or the error of a call) means for the history. */
export function classify(answer: ToolAnswer | undefined, error?: unknown): Outcome {
  if (!answer) {
    const e = error as Error & { cause?: { code?: string }; status?: number };
    if (e instanceof HttpRefusal) return e.status >= 500 ? { type: 'info', code: `http_${e.status}`, message: e.message } : { type: 'fail', code: `http_${e.status}`, message: e.message };
    // Refused: the call never reached a server. Anything else may have been received and run.
    if (e.cause?.code === 'ECONNREFUSED') return { type: 'fail', code: 'refused', message: e.message };
    const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { type: 'info', code: timeout ? 'timeout' : 'transport', message: `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}` };
  }
  const project = answer.data.project as { state?: string; pid?: number; stoppedAt?: string } | undefined;
  if (!answer.isError) return { type: 'ok', state: project?.state, pid: project?.pid, stoppedAt: project?.stoppedAt };
  const err = (answer.data.error ?? {}) as { code?: string; message?: string; retryAfterMs?: number };
  const code = err.code ?? 'error';
  const message = (err.message ?? answer.text).slice(0, 300);
  const retryAfterMs = typeof err.retryAfterMs === 'number' ? err.retryAfterMs : undefined;
  if (NO_EFFECT.has(code)) return { type: 'fail', code, message };
  // "already running on port ...", "is not running": refused before any change.
  if (code === 'conflict' && /is already \w+ on port|is not running/.test(message)) return { type: 'fail', code, message };
  if (code === 'unavailable' && /nothing was changed/.test(message)) return { type: 'fail', code, message };
  return { type: 'info', code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

export interface Caller {
  readonly cluster: Cluster;
  readonly log: OperationLog;
  readonly history: History;
}

export interface Intent {
  readonly client: string;
  readonly tenant: string;
  readonly token: string;
  readonly projectId: string;
  readonly kind: OpKind;
}

/**
 * Performs one intent: attempts through random ready replicas, retried after `retryAfterMs`
 * while the answer is `unavailable`/`rate_limited` and time is left. Returns the last outcome.
 */
export async function perform(caller: Caller, intent: Intent, random: Random, signal?: AbortSignal): Promise<Outcome> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt += 1) {
    const replica = await someReadyReplica(caller.cluster, random, signal);
    if (!replica) return { type: 'fail', code: 'no_replica', message: 'no replica was ready' };
    const invokedAt = Date.now();
    let answer: ToolAnswer | undefined;
    let error: unknown;
    try {
      answer = await callTool(replica, intent.token, `host.${intent.kind}`, { projectId: intent.projectId });
    } catch (e) {
      error = e;
    }
    const outcome = classify(answer, error);
    caller.log.add({ client: intent.client, tenant: intent.tenant, projectId: intent.projectId, kind: intent.kind, replica: replica.id, attempt, invokedAt, completedAt: Date.now(), outcome });
    const retryAfterMs = retryHint(answer);
    if (retryAfterMs === undefined || Date.now() + retryAfterMs > deadline || signal?.aborted) return outcome;
    caller.history.unavailableRetries += 1;
    await sleep(retryAfterMs, signal);
  }
}

function retryHint(answer: ToolAnswer | undefined): number | undefined {
  const err = answer?.isError ? (answer.data.error as { code?: string; retryAfterMs?: number } | undefined) : undefined;
  if (!err || (err.code !== 'unavailable' && err.code !== 'rate_limited')) return undefined;
  return typeof err.retryAfterMs === 'number' ? err.retryAfterMs : undefined;
}

/** A random ready replica; waits up to 30 s for one. */
export async function someReadyReplica(cluster: Cluster, random: Random, signal?: AbortSignal): Promise<Replica | undefined> {
  for (let waited = 0; waited < 30_000 && !signal?.aborted; waited += 100) {
    const ready = cluster.readyReplicas();
    if (ready.length) return random.pick(ready);
    await sleep(100, signal);
  }
  return undefined;
}

export interface ClientPlan {
  readonly name: string;
  readonly tenant: string;
  readonly token: string;
  readonly projectIds: readonly string[];
  readonly random: Random;
}

/** Operation mix and pacing of a client loop. */
const WEIGHTS: Readonly<Record<OpKind, number>> = { start: 4, stop: 3.5, restart: 2.5 };
const THINK_MS: readonly [number, number] = [300, 1500];

/** Calls until `signal` aborts; the intent in flight then finishes (or times out). */
export async function clientLoop(caller: Caller, plan: ClientPlan, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await sleep(plan.random.int(...THINK_MS), signal);
    if (signal.aborted) break;
    const projectId = plan.random.pick(plan.projectIds);
    const kind = plan.random.weighted(WEIGHTS);
    // Not aborted by `signal`: an operation, once invoked, runs to its completion or timeout.
    await perform(caller, { client: plan.name, tenant: plan.tenant, token: plan.token, projectId, kind }, plan.random);
  }
}
