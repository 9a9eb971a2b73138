import { z } from 'zod';
import type { ReadinessCheck } from '../domain/types.js';
import { projectJson } from './present.js';
import { defineTool } from './tool.js';

const input = z
  .object({
    name: z
      .string({ error: 'is required' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit')
      .describe('A short name, unique in your tenant, such as `web` or `api`'),
    workspace: z.string({ error: 'is required' }).min(1, 'must not be empty').describe('The absolute path of the project directory'),
    command: z
      .string({ error: 'is required' })
      .min(1, 'must not be empty')
      .max(4096, 'is longer than 4096 characters')
      .describe('The shell command that runs the project, such as `npm run dev`; it reads its port from $PORT'),
    cwd: z.string().min(1).default('.').describe('A directory relative to the workspace to run in (default `.`)'),
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'names must be letters, digits and underscores, not starting with a digit'),
        z.string(),
      )
      .refine((env) => !('PORT' in env), 'PORT is set by the debug host to the leased port')
      .default({})
      .describe('An object of environment variables (strings), without PORT'),
    techStack: z.string().max(64, 'is longer than 64 characters').optional().describe('A label such as `node`, `python` or `vite`'),
    port: z
      .number()
      .int('must be a whole number')
      .min(1024, 'must be at least 1024')
      .max(65535, 'must be at most 65535')
      .optional()
      .describe("A preferred port inside your tenant's port range; without it one is leased"),
    readiness: z
      .enum(['port', 'log', 'http', 'none'])
      .default('port')
      .describe('One of port (the port accepts connections), log (readyPattern appears), http (readyPath answers), none'),
    readyPattern: z.string().min(1).max(500).optional().describe('A regular expression a log line matches when ready (with readiness `log`)'),
    readyPath: z.string().startsWith('/', 'must start with /').optional().describe('An HTTP path that answers 2xx/3xx when ready (with readiness `http`)'),
    maxRestarts: z.number().int().min(0).max(100).default(5).describe('A whole number of restarts after crashes, 0 to 100 (default 5)'),
    idleTimeoutSec: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .default(0)
      .describe('Seconds without output or calls before the project is stopped as idle; 0 never (default)'),
  })
  .strict()
  .superRefine((args, ctx) => {
    if (args.readiness === 'log' && !args.readyPattern) ctx.addIssue({ code: 'custom', path: ['readyPattern'], message: 'is required with readiness `log`' });
    if (args.readiness === 'http' && !args.readyPath) ctx.addIssue({ code: 'custom', path: ['readyPath'], message: 'is required with readiness `http`' });
    if (args.readyPattern) {
      try {
        new RegExp(args.readyPattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['readyPattern'], message: 'is not a valid regular expression' });
      }
    }
  });

function readinessOf(args: z.infer<typeof input>): ReadinessCheck {
  switch (args.readiness) {
    case 'log':
      return { kind: 'log', pattern: args.readyPattern as string };
    case 'http':
      return { kind: 'http', path: args.readyPath as string };
    default:
      return { kind: args.readiness };
  }
}

export const registerTool = defineTool({
  name: 'host.register',
  title: 'Register a project',
  description: 'Registers a development project (directory and command) in your tenant. Returns its projectId for the other host.* tools.',
  permission: 'operate',
  input,
  async handler(args, { tenant, projects, actor }) {
    const project = await projects.register(
      tenant,
      {
        name: args.name,
        workspace: args.workspace,
        command: args.command,
        cwd: args.cwd,
        env: args.env,
        techStack: args.techStack,
        preferredPort: args.port,
        readiness: readinessOf(args),
        restart: { maxRestarts: args.maxRestarts, initialBackoffMs: 500, maxBackoffMs: 30_000 },
        idleTimeoutSec: args.idleTimeoutSec,
      },
      actor,
    );
    return { text: `Registered ${project.name} as ${project.id}.`, data: { projectId: project.id, project: projectJson(project) } };
  },
});
