/** host.start, host.stop, host.restart: the lifecycle of a project's process. */
import { z } from 'zod';
import { projectId } from './fields.js';
import { projectJson, projectLine } from './present.js';
import { defineTool } from './tool.js';

const target = z.object({ projectId }).strict();

export const startTool = defineTool({
  name: 'host.start',
  title: 'Start a project',
  description:
    "Starts a registered project on a port leased from your tenant's range (passed as $PORT). Answers once the start is recorded and the process runs; poll host.status for readiness.",
  permission: 'operate',
  input: target,
  async handler(args, { tenant, projects, actor }) {
    const project = await projects.start(tenant, args.projectId, actor);
    return { text: `Started ${projectLine(project)}.`, data: { project: projectJson(project) } };
  },
});

export const stopTool = defineTool({
  name: 'host.stop',
  title: 'Stop a project',
  description: 'Stops a running project: SIGTERM to its whole process group, then SIGKILL after the grace period. Its port and slot are released.',
  permission: 'operate',
  input: target,
  annotations: { destructiveHint: true, idempotentHint: false },
  async handler(args, { tenant, projects, actor }) {
    const project = await projects.stop(tenant, args.projectId, actor);
    return { text: `Stopped ${projectLine(project)}.`, data: { project: projectJson(project) } };
  },
});

export const restartTool = defineTool({
  name: 'host.restart',
  title: 'Restart a project',
  description: 'Stops the project if it runs, then starts it again as a new run.',
  permission: 'operate',
  input: target,
  async handler(args, { tenant, projects, actor }) {
    const project = await projects.restart(tenant, args.projectId, actor);
    return { text: `Restarted ${projectLine(project)}.`, data: { project: projectJson(project) } };
  },
});
