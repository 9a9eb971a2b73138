/** host.logs, host.clearLogs, host.logStats. */
import { z } from 'zod';
import { formatTextLine } from '../logs/export-format.js';
import { asList, levels, limit, logStream, optionalProjectId, parseTime, projectId, timeBound } from './fields.js';
import { logJson } from './present.js';
import { defineTool } from './tool.js';

export const logsTool = defineTool({
  name: 'host.logs',
  title: 'Read project logs',
  description: 'The newest log lines of a project, oldest first, optionally filtered by level, stream, a substring and a time window.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z
    .object({
      projectId,
      level: levels,
      stream: logStream.optional().describe('One of stdout, stderr, system'),
      search: z.string().min(1).optional().describe('A substring the line contains (case-insensitive)'),
      since: timeBound,
      until: timeBound,
      limit: limit(100, 5000),
    })
    .strict(),
  async handler(args, { tenant, projects }) {
    const project = await projects.find(tenant, args.projectId);
    const since = parseTime('since', args.since);
    const until = parseTime('until', args.until);
    const unfiltered = !args.level && !args.stream && !args.search && !since && !until;
    // The ring buffer answers plain tails without a store round trip when it holds enough.
    let lines = unfiltered ? projects.tail(project.id, args.limit) : [];
    if (!unfiltered || lines.length < args.limit) {
      await projects.flushLogs(tenant, project.id);
      lines = (
        await tenant.queryLogs({
          projectIds: [project.id],
          levels: asList(args.level),
          streams: args.stream ? [args.stream] : undefined,
          includeAll: args.search ? [args.search] : undefined,
          since,
          until,
          limit: args.limit,
          order: 'desc',
        })
      ).reverse();
    }
    return {
      text: lines.length ? lines.map(formatTextLine).join('\n') : `No log lines for ${project.name} match.`,
      data: { projectId: project.id, count: lines.length, lines: lines.map(logJson) },
    };
  },
});

export const clearLogsTool = defineTool({
  name: 'host.clearLogs',
  title: 'Clear logs',
  description: "Deletes the stored logs of one project, or of all your tenant's projects when projectId is omitted.",
  permission: 'operate',
  annotations: { destructiveHint: true },
  input: z.object({ projectId: optionalProjectId }).strict(),
  async handler(args, { tenant, projects, actor }) {
    const project = args.projectId ? await projects.find(tenant, args.projectId) : undefined;
    const removed = await projects.clearLogs(tenant, project?.id, actor);
    return {
      text: `Cleared ${removed} log lines${project ? ` of ${project.name}` : ' of every project'}.`,
      data: { projectId: project?.id ?? null, removed },
    };
  },
});

export const logStatsTool = defineTool({
  name: 'host.logStats',
  title: 'Log statistics',
  description: 'Counts of stored log lines by level, stream and project, their size, and the first and last time.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z.object({ projectId: optionalProjectId }).strict(),
  async handler(args, { tenant, projects }) {
    const project = args.projectId ? await projects.find(tenant, args.projectId) : undefined;
    await projects.flushLogs(tenant, project?.id);
    const stats = await tenant.logStats(project?.id);
    const levelsText = Object.entries(stats.byLevel)
      .map(([level, count]) => `${level} ${count}`)
      .join(', ');
    return {
      text: `${stats.total} lines (${stats.bytes} bytes)${levelsText ? `: ${levelsText}` : ''}.`,
      data: { projectId: project?.id ?? null, ...stats, first: stats.first?.toISOString(), last: stats.last?.toISOString() },
    };
  },
});
