/**
 * N concurrent `host.start` of an echo project through the MCP endpoint, against a bare
 * `child_process.spawn` loop of the same command in the same process as the baseline.
 *
 *   npx tsx bench/start-throughput.ts [--n 1000] [--clients 8] [--database-url postgres://...]
 *
 * Prints one JSON object on stdout (the plot goes to stderr).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pino } from 'pino';
import { loadConfig } from '../runtime/src/config.js';
import { Runtime, SYSTEM_ACTOR } from '../runtime/src/runtime.js';
import { histogram, percentile, round } from './stats.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, clients: { type: 'string', default: '8' }, 'database-url': { type: 'string' } } });
const N = Number(values.n);
const CLIENTS = Number(values.clients);
const COMMAND = 'echo hello from $PORT';

async function baseline(): Promise<{ seconds: number; perSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const began = performance.now();
  await Promise.all(
    Array.from({ length: N }, async () => {
      const t0 = performance.now();
      const child = spawn('/bin/sh', ['-c', COMMAND], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PORT: '1' } });
      await once(child, 'spawn');
      latencies.push(performance.now() - t0);
      child.stdout.resume();
      child.stderr.resume();
      await once(child, 'close');
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return { seconds: round(seconds, 3), perSecond: round(N / seconds), p50Ms: round(percentile(latencies, 50), 2), p99Ms: round(percentile(latencies, 99), 2) };
}

async function debugHost() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-start-'));
  const config = loadConfig({ port: 0, dataDir, jwtSecret: 'bench-secret-that-is-long-enough-0123456789abc', databaseUrl: values['database-url'], logLevel: 'silent', reapIntervalMs: 600_000, rateLimitPerSecond: 0 }, {});
  const runtime = await Runtime.create(config, { logger: pino({ level: 'silent' }) });
  const url = await runtime.start();
  const tenantId = `bench-${Date.now().toString(36)}`;
  await runtime.store.createTenant({ id: tenantId, quotas: { containers: N, ports: N } }, SYSTEM_ACTOR);
  const token = await runtime.tokens.mint({ tenant: tenantId, role: 'developer' });
  const clients = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      return client;
    }),
  );
  const ids: string[] = [];
  for (let i = 0; i < N; i += 1) {
    const result = await clients[i % CLIENTS]!.callTool({ name: 'host.register', arguments: { name: `echo-${i}`, workspace: dataDir, command: COMMAND, readiness: 'none' } });
    ids.push((result.structuredContent as { projectId: string }).projectId);
  }
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const memoryBefore = process.memoryUsage().rss;
  const began = performance.now();
  await Promise.all(
    ids.map(async (projectId, i) => {
      const t0 = performance.now();
      try {
        const result = await clients[i % CLIENTS]!.callTool({ name: 'host.start', arguments: { projectId } });
        if (result.isError) {
          const code = (result.structuredContent as { error?: { code?: string } }).error?.code ?? 'error';
          errors.set(code, (errors.get(code) ?? 0) + 1);
        } else latencies.push(performance.now() - t0);
      } catch (error) {
        const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
        const key = `${(error as Error).message}${cause ? `: ${cause.code ?? cause.message}` : ''}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  const rssMiB = Math.round(Math.max(process.memoryUsage().rss, memoryBefore) / 1048576);
  await Promise.all(clients.map((c) => c.close()));
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    store: values['database-url'] ? 'postgres' : 'pglite',
    successes: latencies.length,
    failures: N - latencies.length,
    errors: Object.fromEntries(errors),
    seconds: round(seconds, 3),
    startsPerSecond: round(latencies.length / seconds),
    p50AckMs: round(percentile(latencies, 50)),
    p99AckMs: round(percentile(latencies, 99)),
    maxAckMs: round(latencies.at(-1) ?? Number.NaN),
    rssMiB,
    latencies,
  };
}

const base = await baseline();
const ours = await debugHost();
process.stderr.write(`host.start acknowledge latency (N=${N}):\n${histogram(ours.latencies)}\n`);
const { latencies: _latencies, ...result } = ours;
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'start-throughput',
      n: N,
      clients: CLIENTS,
      command: COMMAND,
      rateLimit: 'off (this measures start throughput, not the per-tenant limit)',
      debugHost: result,
      baseline: { what: 'bare child_process.spawn loop, same process', ...base },
      ratio: { startsPerSecond: round(base.perSecond / result.startsPerSecond, 2), note: 'baseline starts/s divided by debug-host starts/s' },
    },
    null,
    2,
  )}\n`,
);
