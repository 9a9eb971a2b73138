/** host.list, host.status, host.checkPort: read-only views of a tenant's projects. */
import { z } from 'zod';
import { invalid } from '../domain/errors.js';
import { projectId } from './fields.js';
import { projectJson, projectLine } from './present.js';
import { defineTool } from './tool.js';

const STATES = ['registered', 'starting', 'running', 'backoff', 'stopping', 'stopped', 'crashed', 'lost'] as const;

export const listTool = defineTool({
  name: 'host.list',
  title: 'List projects',
  description: 'Lists the projects of your tenant, optionally filtered by state, name or tech stack.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z
    .object({
      state: z
        .union([z.enum(STATES), z.array(z.enum(STATES)).min(1)])
        .optional()
        .describe(`One state or a list of: ${STATES.join(', ')}`),
      name: z.string().min(1).optional().describe('Part of a project name'),
      techStack: z.string().min(1).optional().describe('A tech stack label, such as `node`'),
    })
    .strict(),
  async handler(args, { tenant }) {
    const states = args.state === undefined ? undefined : Array.isArray(args.state) ? args.state : [args.state];
    const projects = await tenant.listProjects({ states, nameContains: args.name, techStack: args.techStack });
    const text = projects.length ? projects.map(projectLine).join('\n') : 'No projects match.';
    return { text, data: { count: projects.length, projects: projects.map(projectJson) } };
  },
});

export const statusTool = defineTool({
  name: 'host.status',
  title: 'Project status',
  description: 'State, readiness, pid, port, restarts, last exit code, stop reason and uptime of one project.',
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z.object({ projectId }).strict(),
  async handler(args, { tenant, projects }) {
    const status = await projects.status(tenant, args.projectId);
    const uptime = status.uptimeSec !== undefined ? `, up ${status.uptimeSec}s` : '';
    const exit = status.exitCode !== undefined ? `, last exit code ${status.exitCode}` : '';
    return { text: `${projectLine(status)}${uptime}, ${status.restarts} restarts${exit}.`, data: { project: projectJson(status) } };
  },
});

export const checkPortTool = defineTool({
  name: 'host.checkPort',
  title: 'Check a port',
  description: "Whether a port in your tenant's range accepts connections, and which of your projects holds it. Give a port or a projectId.",
  permission: 'read',
  annotations: { readOnlyHint: true },
  input: z
    .object({
      port: z.number().int('must be a whole number').min(1).max(65535).optional().describe("A port number inside your tenant's port range"),
      projectId: projectId.optional(),
    })
    .strict(),
  async handler(args, { tenant, store, projects, principal }) {
    let port = args.port;
    if (port === undefined) {
      if (!args.projectId) throw invalid('port', 'is required when projectId is not given', 'Send a port number, or the projectId whose port to check.');
      const project = await projects.find(tenant, args.projectId);
      if (project.port === undefined) {
        return { text: `${project.name} holds no port (state ${project.state}).`, data: { projectId: project.id, port: null, inUse: false } };
      }
      port = project.port;
    }
    const record = await store.getTenant(principal.tenantId);
    const range = record?.quotas.portRange;
    if (range && (port < range.from || port > range.to)) {
      throw invalid('port', `${port} is outside your tenant's port range ${range.from}-${range.to}`, `Send a port from ${range.from} to ${range.to}.`);
    }
    const holder = (await tenant.listProjects()).find((p) => p.port === port && ['starting', 'running', 'backoff'].includes(p.state));
    const inUse = await projects.portOpen(principal.tenantId, port, holder?.id);
    const by = holder ? ` by ${holder.name}` : '';
    return {
      text: `Port ${port} is ${inUse ? 'accepting connections' : 'not accepting connections'}${holder ? `; leased${by}` : ''}.`,
      data: { port, inUse, leasedBy: holder ? { projectId: holder.id, name: holder.name } : null },
    };
  },
});
