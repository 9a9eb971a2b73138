/**
 * `npm run bench:tracing`: what tracing costs a tool call. Two replicas (real `debug-host
 * serve` processes, each on a database of its own so that neither forwards to the other),
 * one with tracing off and one exporting every span over OTLP/HTTP to a sink in this process
 * that answers as a collector does; the same closed-loop load (host.status and host.list)
 * goes to each in alternating rounds, so both see the same machine. Prints JSON with the p50
 * and p99 of each and their ratio (goal: p99 on / off under 1.05).
 *
 *   eval "$(scripts/services up)"
 *   npm run bench:tracing -- [--seconds 20] [--round-seconds 2] [--clients 4]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent } from './lib/mcp.js';
import { createDatabase, startReplica, teardown, runtimeSource, type Replica } from './lib/replicas.js';
import { histogram, percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'round-seconds': { type: 'string', default: '2' },
    clients: { type: 'string', default: '4' },
  },
});
const TOTAL_MS = Number(values.seconds) * 1000;
const ROUND_MS = Number(values['round-seconds']) * 1000;
const CLIENTS = Number(values.clients);
const GOAL_RATIO = 1.05;
const LOAD_ENV = { DEBUG_HOST_RATE_LIMIT_PER_SEC: '100000', DEBUG_HOST_RATE_LIMIT_BURST: '100000' };

/** An OTLP/HTTP endpoint that takes every export (an empty ExportTraceServiceResponse) and counts it. */
const sink = { requests: 0, bytes: 0 };
const server = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
  req.on('end', () => {
    sink.requests += 1;
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const modes = ['off', 'on'] as const;
type Mode = (typeof modes)[number];
const dbs = await Promise.all(modes.map((m) => createDatabase(`tr${m}`)));
const replicas: Record<Mode, Replica> = {
  off: await startReplica('traces-off', dbs[0]!, 0, LOAD_ENV),
  on: await startReplica('traces-on', dbs[1]!, 0, { ...LOAD_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }),
};
const latencies: Record<Mode, number[]> = { off: [], on: [] };
const errors: Record<Mode, number> = { off: 0, on: 0 };
const agents: Record<Mode, Agent[]> = { off: [], on: [] };
let exitCode = 0;
try {
  const projects: Record<Mode, string> = { off: '', on: '' };
  for (const mode of modes) {
    agents[mode] = await Promise.all(Array.from({ length: CLIENTS }, () => Agent.create('default', 'developer', () => [replicas[mode]])));
    const registered = await agents[mode][0]!.must('host.register', { name: 'bench-traced', workspace: process.cwd(), command: 'sleep 1000' });
    projects[mode] = registered.projectId as string;
    // Warm up: connections, JIT, caches.
    for (let i = 0; i < 50; i += 1) await agents[mode][0]!.call('host.status', { projectId: projects[mode] });
  }
  const rounds = Math.max(2, Math.round(TOTAL_MS / ROUND_MS));
  for (let n = 0; n < rounds; n += 1) {
    // Alternating which goes first, so that neither always follows the other's garbage.
    const mode = modes[n % 2]!;
    const until = performance.now() + ROUND_MS;
    await Promise.all(
      agents[mode].map(async (agent, i) => {
        for (let k = i; performance.now() < until; k += 1) {
          const out = k % 2 === 0 ? await agent.call('host.status', { projectId: projects[mode] }) : await agent.call('host.list', {});
          if (out.ok) latencies[mode].push(out.ms);
          else errors[mode] += 1;
        }
      }),
    );
  }
  const stats = (mode: Mode) => {
    const sorted = [...latencies[mode]].sort((a, b) => a - b);
    return { calls: sorted.length, errors: errors[mode], p50Ms: round(percentile(sorted, 50), 2), p99Ms: round(percentile(sorted, 99), 2) };
  };
  const off = stats('off');
  const on = stats('on');
  const p99Ratio = round(on.p99Ms / off.p99Ms, 3);
  process.stderr.write(`tracing on:\n${histogram(latencies.on)}\ntracing off:\n${histogram(latencies.off)}\n`);
  const result = {
    benchmark: 'tracing',
    runtime: runtimeSource.commit,
    settings: { seconds: TOTAL_MS / 1000, roundSeconds: ROUND_MS / 1000, clients: CLIENTS, calls: 'host.status and host.list, closed loop' },
    off,
    on,
    exported: { requests: sink.requests, bytes: sink.bytes },
    ratio: { p50: round(on.p50Ms / off.p50Ms, 3), p99: p99Ratio, note: 'tracing on / off, same run' },
    goal: { p99RatioBelow: GOAL_RATIO, met: p99Ratio < GOAL_RATIO },
  };
  if (off.errors + on.errors > 0 || sink.requests === 0) exitCode = 1;
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const mode of modes) await Promise.all(agents[mode].map((a) => a.close()));
  await Promise.all(modes.map((mode, i) => teardown([replicas[mode]], dbs[i]!, [])));
  server.close();
}
process.exit(exitCode);
