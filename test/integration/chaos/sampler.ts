/**
 * Looks at the machine's processes every ~200 ms (test/support/project-processes.ts: every
 * process the runtime starts carries DEBUG_HOST_PROJECT_ID and leads its own process group)
 * and records the process groups of this run's projects.
 */
import { projectProcessGroups } from '../../support/project-processes.js';
import type { Sample } from './history.js';

/** The process groups of these projects right now (only those that have any). */
export function sampleNow(projectIds: ReadonlySet<string>): Sample {
  const at = Date.now();
  const groups: Record<string, number[]> = {};
  for (const [projectId, pgids] of projectProcessGroups()) {
    if (projectIds.has(projectId)) groups[projectId] = [...pgids].sort((a, b) => a - b);
  }
  return { at, groups };
}

export class Sampler {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly projectIds: ReadonlySet<string>,
    private readonly into: Sample[],
    private readonly everyMs = 200,
  ) {}

  start(): void {
    const tick = (): void => {
      this.into.push(sampleNow(this.projectIds));
      this.timer = setTimeout(tick, this.everyMs);
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** SIGKILLs every process group of these projects still alive (cleanup after the checks). */
export function killProjectGroups(projectIds: ReadonlySet<string>): number {
  let killed = 0;
  for (const [projectId, pgids] of projectProcessGroups()) {
    if (!projectIds.has(projectId)) continue;
    for (const pgid of pgids) {
      try {
        process.kill(-pgid, 'SIGKILL');
        killed += 1;
      } catch {
        // gone already
      }
    }
  }
  return killed;
}
