/** host.searchLogs: the search language over a tenant's stored logs, with context and facets. */
import { z } from 'zod';
import type { LogLine } from '../domain/types.js';
import { formatTextLine } from '../logs/export-format.js';
import { parseSearch } from '../logs/search-syntax.js';
import { limit, optionalProjectId, parseTime, timeBound } from './fields.js';
import { logJson } from './present.js';
import { defineTool } from './tool.js';

/** Matches looked at for facets; beyond it the facets are marked truncated. */
const FACET_SCAN = 5000;

export const searchLogsTool = defineTool({
  name: 'host.searchLogs',
  title: 'Search logs',
  description:
    'Searches stored logs of one project or all of yours. Query syntax: words (all must appear), "exact phrase", -exclude, /regex/, level:error (or level:warn,error), stream:stderr. Returns matches with context lines and facets by level and project.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z
    .object({
      query: z.string({ error: 'is required' }).min(1, 'must not be empty').describe('A search such as `level:error -timeout "connection refused"`'),
      projectId: optionalProjectId,
      context: z.number().int().min(0).max(20).default(0).describe('A number of lines, 0 to 20, to show before and after each match'),
      since: timeBound,
      until: timeBound,
      limit: limit(100, 1000),
    })
    .strict(),
  async handler(args, { tenant, projects }) {
    const parsed = parseSearch(args.query);
    const project = args.projectId ? await projects.find(tenant, args.projectId) : undefined;
    await projects.flushLogs(tenant, project?.id);
    const matches = await tenant.queryLogs({
      projectIds: project ? [project.id] : undefined,
      levels: parsed.levels.length ? parsed.levels : undefined,
      streams: parsed.streams.length ? parsed.streams : undefined,
      includeAll: parsed.includeAll,
      exclude: parsed.exclude,
      regex: parsed.regex,
      since: parseTime('since', args.since),
      until: parseTime('until', args.until),
      limit: FACET_SCAN,
      order: 'desc',
    });
    const names = new Map((await tenant.listProjects()).map((p) => [p.id, p.name]));
    const facets = { byLevel: countBy(matches, (l) => l.level), byProject: countBy(matches, (l) => names.get(l.projectId) ?? l.projectId) };
    const shown = matches.slice(0, args.limit).reverse();
    const results = await Promise.all(
      shown.map(async (match) => {
        if (args.context === 0) return { match: logJson(match) };
        const around = await tenant.logContext(match.projectId, match.seq, args.context, args.context);
        return {
          match: logJson(match),
          before: around.filter((l) => l.seq < match.seq).map(logJson),
          after: around.filter((l) => l.seq > match.seq).map(logJson),
        };
      }),
    );
    const text = shown.length
      ? `${matches.length}${matches.length >= FACET_SCAN ? '+' : ''} matches; showing ${shown.length}:\n${shown.map(formatTextLine).join('\n')}`
      : 'No log lines match.';
    return {
      text,
      data: { query: args.query, parsed, total: matches.length, truncated: matches.length >= FACET_SCAN, facets, results },
    };
  },
});

function countBy(lines: readonly LogLine[], key: (line: LogLine) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) counts[key(line)] = (counts[key(line)] ?? 0) + 1;
  return counts;
}
