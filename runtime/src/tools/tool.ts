/**
 * A tool is a small handler with its zod input schema beside it. The dispatcher does the
 * rest the same way for every tool: authenticate -> authorize -> rate limit -> validate ->
 * handler -> structured result or a clear error.
 */
import type { z } from 'zod';
import type { Actor } from '../domain/types.js';
import type { ProjectService } from '../projects/project-service.js';
import type { Store, TenantStore } from '../store/store.js';
import type { Principal } from '../tenancy/principal.js';
import type { Permission } from '../tenancy/roles.js';

export interface ToolContext {
  readonly principal: Principal;
  readonly actor: Actor;
  /** The caller's tenant, already scoped: a query through it cannot see another tenant. */
  readonly tenant: TenantStore;
  /** Platform-wide store, for the platform-admin tools only. */
  readonly store: Store;
  readonly projects: ProjectService;
}

export interface ToolOutput {
  /** Readable summary for the agent's transcript. */
  readonly text: string;
  /** The same facts as JSON (`structuredContent`). */
  readonly data: Record<string, unknown>;
}

export interface ToolAnnotations {
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
}

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly permission: Permission;
  readonly input: S;
  readonly annotations?: ToolAnnotations;
  handler(args: z.infer<S>, context: ToolContext): Promise<ToolOutput>;
}

/** Keeps the schema's type attached to the handler's arguments. */
export function defineTool<S extends z.ZodObject>(definition: ToolDefinition<S>): ToolDefinition<S> {
  return definition;
}
