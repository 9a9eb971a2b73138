/**
 * One trace per call across replicas: three replicas export their spans to a real
 * OpenTelemetry Collector (OTLP/HTTP in, a JSON file out). A call that lands on a replica
 * that does not own the project is forwarded to its owner; the file must show it as one
 * trace: the first replica's call span, its forward span, the owner's call span under that,
 * and the owner's store queries under the owner's call span.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../runtime/src/tenancy/tokens.js';
import { FIXTURES, SECRET, WEB, createDatabase, eventually } from '../runtime/harness.js';
import { callTool, startReplica, stopReplica, type Replica } from './cluster-harness.js';
import { Collector, type ExportedSpan } from './tracing/collector.js';

const SERVER = 2;
const CLIENT = 3;

describe('tracing across three replicas', () => {
  let collector: Collector;
  let replicas: Replica[] = [];
  let token: string;

  beforeAll(async () => {
    if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run `eval "$(scripts/services up)"` before `npm run test:integration`.');
    collector = await Collector.start();
    const database = await createDatabase(`t${Date.now().toString(36).slice(-6)}`);
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
    replicas = [await startReplica('r1', database, 0, env)];
    replicas.push(...(await Promise.all([startReplica('r2', database, 0, env), startReplica('r3', database, 0, env)])));
    token = await new TokenService({ secret: SECRET }).mint({ tenant: 'default', role: 'developer', ttl: '1h' });
  }, 90_000);

  afterAll(async () => {
    for (const replica of replicas) await stopReplica(replica, 'SIGTERM').catch(() => undefined);
    await collector?.stop();
  });

  it('shows a forwarded call as one trace: caller span, forward, the owner\'s call span, its store spans under it', async () => {
    const registered = await callTool(replicas[0]!, token, 'host.register', { name: 'traced', workspace: FIXTURES, command: WEB });
    expect(registered.isError, registered.text).toBe(false);
    const projectId = registered.data.projectId as string;
    // Through every replica: at least one of them is not the project's owner and forwards.
    for (const replica of replicas) expect((await callTool(replica, token, 'host.status', { projectId })).isError).toBe(false);

    const forwarded = await eventually(async () => {
      const spans = await collector.spans();
      const forward = spans.find((s) => s.name === 'call.forward' && s.attributes['debug_host.tool'] === 'host.status');
      const remote = forward && spans.find((s) => s.parentSpanId === forward.spanId && s.name === 'tool host.status');
      const queries = remote && spans.filter((s) => s.traceId === remote.traceId && s.replica === remote.replica && s.name.startsWith('db.'));
      return forward && remote && queries && queries.length > 0 ? { spans: spans.filter((s) => s.traceId === forward.traceId), forward, remote } : undefined;
    }, 20_000, 'a forwarded host.status in the collector\'s file');

    const { spans, forward, remote } = forwarded;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const root = byId.get(forward.parentSpanId!);
    // The replica the call landed on: its call span is the trace's root and the forward's parent.
    expect(root).toMatchObject({ name: 'tool host.status', kind: SERVER, parentSpanId: undefined });
    expect(forward.kind).toBe(CLIENT);
    expect(forward.replica).toBe(root!.replica);
    expect(forward.attributes['debug_host.replica']).toBe(remote.replica);
    // The owner: another replica, its call span a child of the forward.
    expect(remote.replica).not.toBe(root!.replica);
    expect(remote).toMatchObject({ kind: SERVER, traceId: root!.traceId });
    expect(remote.attributes).toMatchObject({ 'debug_host.tool': 'host.status', 'debug_host.tenant': 'default', 'debug_host.project': projectId, 'debug_host.outcome': 'ok', 'debug_host.replica': root!.replica });
    expect(root!.attributes['debug_host.outcome']).toBe('forwarded');
    expect(new Set(spans.map((s) => s.replica)).size).toBe(2);
    // The owner's store queries hang under the owner's call span (directly or through a transaction).
    const ownerQueries = spans.filter((s) => s.replica === remote.replica && s.name.startsWith('db.') && s.name !== 'db.transaction');
    expect(ownerQueries.length).toBeGreaterThan(0);
    for (const query of ownerQueries) expect(ancestors(query, byId), query.name).toContain(remote.spanId);
  });
});

function ancestors(span: ExportedSpan, byId: ReadonlyMap<string, ExportedSpan>): string[] {
  const chain: string[] = [];
  for (let parent = span.parentSpanId; parent; parent = byId.get(parent)?.parentSpanId) chain.push(parent);
  return chain;
}
