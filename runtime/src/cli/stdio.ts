import { loadConfig } from '../config.js';
import type { Principal } from '../tenancy/principal.js';
import { isRole } from '../tenancy/roles.js';
import { Runtime } from '../runtime.js';
import { logUnhandledRejections } from './unhandled.js';
import { serveStdio } from '../server/stdio.js';
import { RUNTIME_FLAGS, RUNTIME_FLAGS_HELP, parse, runtimeFlags, str } from './args.js';

const USAGE = `
Usage: debug-host stdio [--token <jwt> | --tenant <t> --role <r>] [options]

Serves the same tools over stdio for one local agent, on the embedded store of --data-dir
(or DATABASE_URL). Stdout carries only MCP; logs go to stderr.

  --token <jwt>          Act as the token's tenant and role (DEBUG_HOST_TOKEN)
  --tenant <t>           Without a token: the tenant to act in (default: the bootstrap tenant)
  --role <r>             Without a token: viewer|developer|admin (default developer)
${RUNTIME_FLAGS_HELP}
`;

export async function stdioCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { ...RUNTIME_FLAGS, token: { type: 'string' }, tenant: { type: 'string' }, role: { type: 'string' } }, USAGE);
  const config = loadConfig({ ...runtimeFlags(values), logLevel: str(values['log-level']) ?? 'warn' });
  const runtime = await Runtime.create(config);
  logUnhandledRejections(runtime.logger);
  await runtime.bootstrap();
  const token = str(values.token) ?? process.env.DEBUG_HOST_TOKEN;
  let principal: Principal;
  if (token) {
    principal = await runtime.tokens.verify(token);
  } else {
    const role = str(values.role) ?? 'developer';
    if (!isRole(role) || role === 'platform-admin') throw new Error(`--role must be viewer, developer or admin, not '${role}'. Use a token for platform-admin.`);
    const tenantId = str(values.tenant) ?? config.bootstrapTenant;
    principal = { tenantId, role, subject: `local:${process.env.USER ?? 'user'}` };
  }
  await runtime.projects.recover();
  runtime.projects.startHousekeeping();
  await serveStdio(runtime, principal);
  await runtime.close();
}
