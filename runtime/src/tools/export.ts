/** host.exportLogs: stored logs as JSON, CSV or plain text. */
import { z } from 'zod';
import { formatLogs } from '../logs/export-format.js';
import { asList, levels, limit, optionalProjectId, parseTime, timeBound } from './fields.js';
import { defineTool } from './tool.js';

export const exportLogsTool = defineTool({
  name: 'host.exportLogs',
  title: 'Export logs',
  description: 'Exports stored logs of one project or all of yours, oldest first, as json, csv or text.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z
    .object({
      projectId: optionalProjectId,
      format: z.enum(['json', 'csv', 'text']).default('json').describe('One of json, csv, text (default json)'),
      level: levels,
      since: timeBound,
      until: timeBound,
      limit: limit(10_000, 100_000),
    })
    .strict(),
  async handler(args, { tenant, projects }) {
    const project = args.projectId ? await projects.find(tenant, args.projectId) : undefined;
    await projects.flushLogs(tenant, project?.id);
    const lines = await tenant.queryLogs({
      projectIds: project ? [project.id] : undefined,
      levels: asList(args.level),
      since: parseTime('since', args.since),
      until: parseTime('until', args.until),
      limit: args.limit,
      order: 'asc',
    });
    const content = formatLogs(lines, args.format);
    return { text: content, data: { format: args.format, count: lines.length, content } };
  },
});
