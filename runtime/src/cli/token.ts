import { loadConfig } from '../config.js';
import { ROLES, isRole } from '../tenancy/roles.js';
import { TokenService } from '../tenancy/tokens.js';
import { localSecret } from '../runtime.js';
import { parse, str } from './args.js';

const USAGE = `
Usage: debug-host token --tenant <t> --role <r> [--ttl 1h] [--subject <name>] [--data-dir <dir>]

Mints a bearer token with the configured secret (DEBUG_HOST_JWT_SECRET, or the embedded
runtime's secret in --data-dir) and prints it.

  --tenant <t>     Tenant the token acts in (required)
  --role <r>       ${ROLES.join('|')} (required)
  --ttl <d>        Lifetime such as 30m, 1h, 7d (default 1h)
  --subject <s>    Who the token stands for, recorded in the audit trail (default <role>@<tenant>)
  --data-dir <d>   Embedded runtime's data dir (DEBUG_HOST_DATA_DIR, default .debug-host)
`;

export async function tokenCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    argv,
    { tenant: { type: 'string' }, role: { type: 'string' }, ttl: { type: 'string' }, subject: { type: 'string' }, 'data-dir': { type: 'string' } },
    USAGE,
  );
  const tenant = str(values.tenant);
  const role = str(values.role);
  if (!tenant) throw new Error('--tenant is required: the tenant the token acts in.');
  if (!isRole(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}.`);
  const config = loadConfig({ dataDir: str(values['data-dir']) });
  const secret = config.jwtSecret ?? (await localSecret(config, !config.databaseUrl));
  const tokens = new TokenService({ secret, audience: config.jwtAudience });
  process.stdout.write(`${await tokens.mint({ tenant, role, ttl: str(values.ttl) ?? '1h', subject: str(values.subject) })}\n`);
}
