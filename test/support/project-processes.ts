/**
 * The project processes on this machine, as the cluster tests and benchmarks count them to
 * prove each project runs exactly once: every process the runtime starts carries
 * DEBUG_HOST_PROJECT_ID in its environment and leads (or joins) its own process group.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Process groups running each project, by project id (Linux /proc). */
export function projectProcessGroups(): Map<string, Set<number>> {
  const groups = new Map<string, Set<number>>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const match = /(?:^|\0)DEBUG_HOST_PROJECT_ID=([^\0]+)/.exec(readFileSync(`/proc/${entry}/environ`, 'utf8'));
      if (!match) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp.
      const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      const set = groups.get(match[1]!) ?? new Set<number>();
      set.add(pgid);
      groups.set(match[1]!, set);
    } catch {
      // the process ended while we looked
    }
  }
  return groups;
}

/**
 * Whether a process runs (exists and is not a zombie). A project killed while its replica is
 * paused stays a zombie until the replica reaps it, which a signal-0 probe counts as alive.
 */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
