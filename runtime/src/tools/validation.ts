import { z } from 'zod';
import { DebugHostError } from '../domain/errors.js';

/** Parses tool input and turns the first zod issue into an error naming the field and the fix. */
export function parseInput<S extends z.ZodObject>(toolName: string, schema: S, args: unknown): z.infer<S> {
  const result = schema.safeParse(args ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new DebugHostError('invalid_input', `${toolName}: the arguments are not valid.`);
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(schema.shape).join(', ');
    return fail(toolName, issue.keys.join(', '), `unknown field${issue.keys.length > 1 ? 's' : ''}`, `Remove it; ${toolName} takes: ${known}.`);
  }
  const field = issue.path.map(String).join('.') || '(arguments)';
  const help = describeField(schema, issue.path);
  const fix = help ? `Send ${field} as ${lowerFirst(help)}` : `Correct ${field} and call ${toolName} again.`;
  return fail(toolName, field, issue.message, fix);
}

function fail(toolName: string, field: string, rule: string, fix: string): never {
  throw new DebugHostError('invalid_input', `${toolName}: ${field}: ${rule}.`, { field, fix });
}

function describeField(schema: z.ZodObject, path: readonly PropertyKey[]): string | undefined {
  const top = path[0];
  if (typeof top !== 'string') return undefined;
  const field = schema.shape[top] as z.ZodType | undefined;
  return field?.description;
}

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

/** JSON Schema for tools/list. */
export function toInputJsonSchema(schema: z.ZodObject): { type: 'object'; [key: string]: unknown } {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return { ...json, type: 'object' };
}
