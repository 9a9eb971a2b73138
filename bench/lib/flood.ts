/**
 * The noisy tenant of bench:isolation, in a process of its own: many MCP clients calling in
 * tight loops, far over the tenant's rate limit. Apart from the victim's client, so that the
 * victim's latencies measure the replicas and not a client event loop shared with 64
 * flooding clients (in production the flood comes from other machines).
 *
 * Started by `startFlood`; runs until told to stop, then reports what it saw.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import { Agent } from './mcp.js';
import { sleep, type Replica } from './replicas.js';

export interface FloodPlan {
  readonly tenant: string;
  readonly projectIds: readonly string[];
  readonly clients: number;
  /** Wait as long as each rejection says before the next call. */
  readonly honorRetryAfter: boolean;
  readonly replicas: ReadonlyArray<Pick<Replica, 'id' | 'port' | 'base' | 'mcpUrl'>>;
  /**
   * Scheduling niceness of the flood process (0-19). On one machine the flood's own client
   * work competes with the replicas for the same cores, which a flood from elsewhere would
   * not; a positive value gives the replicas the CPU first. The flood still sends as fast as
   * it can, and its calls per second are reported.
   */
  readonly nice: number;
}

export interface FloodReport {
  calls: number;
  accepted: number;
  rejected: number;
  rejectedWithRetryAfter: number;
  retryAfterMs: number[];
  other: Record<string, number>;
}

/** Forks the flood; resolves once its clients are connected and calling. */
export async function startFlood(plan: FloodPlan): Promise<{ stop(): Promise<FloodReport> }> {
  const child: ChildProcess = fork(import.meta.filename, [JSON.stringify(plan)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  if (plan.nice && child.pid) setPriority(child.pid, plan.nice);
  const [ready] = (await once(child, 'message')) as [string];
  if (ready !== 'flooding') throw new Error(`flood process: ${ready}`);
  return {
    async stop() {
      child.send('stop');
      const [report] = (await once(child, 'message')) as [FloodReport];
      await once(child, 'exit');
      return report;
    },
  };
}

async function flood(plan: FloodPlan): Promise<void> {
  // Only what Agent uses of a replica: the child process stays with the parent.
  const replicas = plan.replicas as readonly Replica[];
  const agents = await Promise.all(Array.from({ length: plan.clients }, () => Agent.create(plan.tenant, 'viewer', () => replicas)));
  const report: FloodReport = { calls: 0, accepted: 0, rejected: 0, rejectedWithRetryAfter: 0, retryAfterMs: [], other: {} };
  let stopping = false;
  process.on('message', (m) => void (m === 'stop' && (stopping = true)));
  const ids = plan.projectIds;
  const loops = agents.map(async (agent, w) => {
    for (let i = w; !stopping; i += agents.length) {
      const out = await (i % 2 ? agent.call('host.list', {}) : agent.call('host.status', { projectId: ids[i % ids.length]! }));
      report.calls += 1;
      if (out.ok) report.accepted += 1;
      else if (out.code === 'rate_limited') {
        report.rejected += 1;
        if (out.retryAfterMs !== undefined) {
          report.rejectedWithRetryAfter += 1;
          if (report.retryAfterMs.length < 10_000) report.retryAfterMs.push(out.retryAfterMs);
          // A well-behaved client waits as told; the default flood does not.
          if (plan.honorRetryAfter) await sleep(out.retryAfterMs);
        }
      } else report.other[out.code] = (report.other[out.code] ?? 0) + 1;
    }
  });
  process.send?.('flooding');
  await Promise.all(loops);
  await Promise.all(agents.map((a) => a.close()));
  process.send?.(report, () => process.exit(0));
}

if (process.send && process.argv[2]) {
  flood(JSON.parse(process.argv[2]) as FloodPlan).catch((error: unknown) => {
    process.send?.(`failed: ${(error as Error).stack ?? String(error)}`, () => process.exit(1));
  });
}
