/**
 * Tenant lifecycle in the platform schema: quotas with their defaults, disjoint port ranges,
 * and the tenant's own schema and NOLOGIN role, created and dropped with the tenant row.
 */
import { DebugHostError } from '../domain/errors.js';
import type { Actor, PortRange, TenantId, TenantQuotas, TenantRecord, TenantStatus } from '../domain/types.js';
import { journal } from './journal.js';
import { upgradeTenantSchema } from './migrations.js';
import { ident, tenantRole, tenantSchema, validateTenantId } from './names.js';
import { TENANT_COLUMNS, toTenant, type TenantRow } from './rows.js';
import { sqlState, type Queryable } from './sql-client.js';
import type { NewTenant } from './store.js';

/** Platform defaults for a tenant's quotas (from the seed); the port range is picked per tenant. */
export const DEFAULT_QUOTAS: Omit<TenantQuotas, 'portRange'> = {
  containers: 50,
  ports: 100,
  memoryMiB: 10240,
  cpuMillis: 10000,
  storageMiB: 102400,
};

/** Where tenant port ranges are carved from when none is given. */
export const DEFAULT_PORT_BASE: PortRange = { from: 20000, to: 59999 };

/**
 * Serializes tenant creation and range changes within a database, so that concurrent creates
 * pick different ranges instead of failing, and one of several creates of the same id wins.
 */
const PORT_RANGE_LOCK_KEY = 0x706f727473;

/** `unique_violation`, `duplicate_object`: what CREATE ROLE says when the role was just made elsewhere. */
const DUPLICATE_ROLE = new Set(['23505', '42710']);

export interface TenantOptions {
  readonly portBase: PortRange;
  readonly rolePrefix: string;
}

export const tenantNotFound = (id: string): DebugHostError =>
  new DebugHostError('not_found', `tenant '${id}' was not found.`, {
    field: 'tenant',
    fix: 'Check the tenant id; platform admins can list tenants.',
  });

const INT_MAX = 2_147_483_647;

function checkCounts(q: Omit<TenantQuotas, 'portRange'>): void {
  for (const key of ['containers', 'ports', 'memoryMiB', 'cpuMillis', 'storageMiB'] as const) {
    const v = q[key];
    if (!Number.isInteger(v) || v < 0 || v > INT_MAX) {
      throw new DebugHostError('invalid_input', `quotas.${key}: ${String(v)} is not a whole number from 0 to ${INT_MAX}.`, {
        field: `quotas.${key}`,
        fix: `Give quotas.${key} as a non-negative integer.`,
      });
    }
  }
}

function checkQuotas(q: TenantQuotas): void {
  checkCounts(q);
  const { from, to } = q.portRange ?? {};
  if (from === undefined || to === undefined || !Number.isInteger(from) || !Number.isInteger(to) || from < 1 || to > 65535 || from > to) {
    throw new DebugHostError('invalid_input', `quotas.portRange: ${from}-${to} is not a port range within 1-65535.`, {
      field: 'quotas.portRange',
      fix: 'Give { from, to } with 1 <= from <= to <= 65535.',
    });
  }
  const size = to - from + 1;
  if (size < q.ports) {
    throw new DebugHostError(
      'invalid_input',
      `quotas.portRange: ${from}-${to} holds ${size} ports, fewer than quotas.ports (${q.ports}).`,
      { field: 'quotas.portRange', fix: `Give a range of at least ${q.ports} ports, or lower quotas.ports.` },
    );
  }
}

/** Lowest gap of `size` ports inside `base` not used by any other tenant. */
async function pickRange(tx: Queryable, ports: number, base: PortRange, except?: TenantId): Promise<PortRange> {
  const wanted = Math.max(ports, 1);
  const { rows } = await tx.query<{ port_from: number; port_to: number }>(
    'SELECT port_from, port_to FROM platform.tenants WHERE id IS DISTINCT FROM $1 ORDER BY port_from',
    [except ?? null],
  );
  let from = base.from;
  for (const r of rows) {
    if (r.port_to < from) continue;
    if (r.port_from > from + wanted - 1) break;
    from = r.port_to + 1;
  }
  if (from + wanted - 1 > base.to) {
    throw new DebugHostError(
      'conflict',
      `No free range of ${wanted} ports is left in the platform's port base ${base.from}-${base.to}.`,
      { field: 'quotas.ports', fix: 'Ask for fewer ports, give an explicit free quotas.portRange, or delete unused tenants.' },
    );
  }
  return { from, to: from + wanted - 1 };
}

/** Refuses a range that overlaps another tenant's, naming that tenant. */
async function checkRangeFree(tx: Queryable, range: PortRange, except?: TenantId): Promise<void> {
  const { rows } = await tx.query<{ id: string; port_from: number; port_to: number }>(
    `SELECT id, port_from, port_to FROM platform.tenants
      WHERE id IS DISTINCT FROM $3 AND int4range(port_from, port_to, '[]') && int4range($1, $2, '[]') LIMIT 1`,
    [range.from, range.to, except ?? null],
  );
  const clash = rows[0];
  if (clash) {
    throw new DebugHostError(
      'conflict',
      `quotas.portRange: ${range.from}-${range.to} overlaps tenant '${clash.id}' (${clash.port_from}-${clash.port_to}); tenant port ranges must not overlap.`,
      { field: 'quotas.portRange', fix: 'Pick a range outside every other tenant\'s, or omit it to get a free one.' },
    );
  }
}

async function selectTenant(tx: Queryable, id: TenantId, lock: boolean): Promise<TenantRow> {
  const { rows } = await tx.query<TenantRow>(
    `SELECT ${TENANT_COLUMNS} FROM platform.tenants WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw tenantNotFound(id);
  return row;
}

export async function createTenant(tx: Queryable, input: NewTenant, actor: Actor, opts: TenantOptions): Promise<TenantRecord> {
  const id = validateTenantId(input.id);
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [PORT_RANGE_LOCK_KEY]);
  const existing = await tx.query('SELECT 1 FROM platform.tenants WHERE id = $1', [id]);
  if (existing.rows.length > 0) {
    throw new DebugHostError('conflict', `tenant '${id}' already exists.`, {
      field: 'tenant',
      fix: 'Pick another id, or update the existing tenant with tenant.update.',
    });
  }
  const given = defined(input.quotas ?? {});
  const base = { ...DEFAULT_QUOTAS, ...given };
  checkCounts(base);
  const portRange = given.portRange ?? (await pickRange(tx, base.ports, opts.portBase));
  const quotas: TenantQuotas = { ...base, portRange };
  checkQuotas(quotas);
  await checkRangeFree(tx, portRange);

  const schema = tenantSchema(id);
  const role = tenantRole(id, opts.rolePrefix);
  const { rows } = await tx.query<TenantRow>(
    `INSERT INTO platform.tenants
       (id, display_name, containers, ports, memory_mib, cpu_millis, storage_mib, port_from, port_to, schema_name, role_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${TENANT_COLUMNS}`,
    [id, input.displayName ?? id, quotas.containers, quotas.ports, quotas.memoryMiB, quotas.cpuMillis, quotas.storageMiB,
      portRange.from, portRange.to, schema, role],
  );
  await ensureRole(tx, id, role);
  await tx.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
  await upgradeTenantSchema(tx, id, schema, role, 0);
  const record = toTenant(rows[0] as TenantRow);
  await journal(
    tx,
    id,
    { type: 'tenant.created', key: id, payload: { tenantId: id, quotas: record.quotas } },
    { actor, action: 'tenant.create', target: id, detail: { quotas: record.quotas, displayName: record.displayName } },
  );
  return record;
}

/**
 * The first start's tenant: created only while the store has no tenant at all, under the lock
 * that createTenant takes, so that replicas starting together create it once and the others
 * find it. Undefined when some tenant existed.
 */
export async function createFirstTenant(tx: Queryable, input: NewTenant, actor: Actor, opts: TenantOptions): Promise<TenantRecord | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [PORT_RANGE_LOCK_KEY]);
  const any = await tx.query('SELECT 1 FROM platform.tenants LIMIT 1');
  return any.rows.length > 0 ? undefined : createTenant(tx, input, actor, opts);
}

/**
 * Creates the tenant's role, or adopts it when it exists: the Pulumi stack may have made it
 * (@pulumi/postgresql, with the runtime granted membership), or another database on the same
 * server at the same moment (roles are server-wide, advisory locks per database). CREATE ROLE
 * runs under a savepoint, so that losing that race leaves the transaction usable and the role
 * made by the winner is adopted like any existing one.
 */
async function ensureRole(tx: Queryable, id: TenantId, role: string): Promise<void> {
  const memberOf = async (): Promise<boolean | undefined> => {
    const { rows } = await tx.query<{ member: boolean }>(
      'SELECT pg_has_role(current_user, oid, \'MEMBER\') AS member FROM pg_roles WHERE rolname = $1',
      [role],
    );
    return rows[0]?.member;
  };
  if ((await memberOf()) === undefined) {
    await tx.query('SAVEPOINT tenant_role');
    try {
      await tx.query(`CREATE ROLE ${ident(role)} NOLOGIN`);
      // The runtime's own role switches into the tenant role for tenant-scoped queries.
      await tx.query(`GRANT ${ident(role)} TO CURRENT_USER`);
      await tx.query('RELEASE SAVEPOINT tenant_role');
      return;
    } catch (err) {
      if (!DUPLICATE_ROLE.has(sqlState(err) ?? '')) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT tenant_role');
    }
  }
  if (!(await memberOf())) {
    throw new DebugHostError('conflict', `tenant '${id}': the database role '${role}' exists, but the runtime's database user is not a member of it.`, {
      field: 'tenant',
      fix: `GRANT ${role} TO the runtime's user (the tenant's Pulumi stack does this), or drop the stale role, or give each database sharing the server its own rolePrefix.`,
    });
  }
}

export async function updateTenantQuotas(
  tx: Queryable,
  id: TenantId,
  patch: Partial<TenantQuotas>,
  actor: Actor,
): Promise<TenantRecord> {
  validateTenantId(id);
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [PORT_RANGE_LOCK_KEY]);
  const row = await selectTenant(tx, id, true);
  const before = toTenant(row).quotas;
  const quotas: TenantQuotas = { ...before, ...defined(patch) };
  checkQuotas(quotas);
  const range = quotas.portRange;
  if (range.from !== before.portRange.from || range.to !== before.portRange.to) {
    await checkRangeFree(tx, range, id);
    const held = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${ident(row.schema_name)}.projects WHERE port IS NOT NULL AND port NOT BETWEEN $1 AND $2`,
      [range.from, range.to],
    );
    const n = held.rows[0]?.n ?? 0;
    if (n > 0) {
      throw new DebugHostError('conflict', `quotas.portRange: ${n} running project(s) hold ports outside ${range.from}-${range.to}.`, {
        field: 'quotas.portRange',
        fix: 'Stop those projects first, or pick a range that contains their ports.',
      });
    }
  }
  const { rows } = await tx.query<TenantRow>(
    `UPDATE platform.tenants SET containers = $2, ports = $3, memory_mib = $4, cpu_millis = $5, storage_mib = $6,
       port_from = $7, port_to = $8, updated_at = now() WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
    [id, quotas.containers, quotas.ports, quotas.memoryMiB, quotas.cpuMillis, quotas.storageMiB, range.from, range.to],
  );
  const record = toTenant(rows[0] as TenantRow);
  await journal(
    tx,
    id,
    { type: 'tenant.updated', key: id, payload: { tenantId: id, quotas: record.quotas } },
    { actor, action: 'tenant.update', target: id, detail: { before, after: record.quotas } },
  );
  return record;
}

export async function setTenantStatus(tx: Queryable, id: TenantId, status: TenantStatus, actor: Actor): Promise<TenantRecord> {
  validateTenantId(id);
  if (status !== 'active' && status !== 'suspended') {
    throw new DebugHostError('invalid_input', `status: '${String(status)}' is not a tenant status.`, {
      field: 'status',
      fix: "Use 'active' or 'suspended'.",
    });
  }
  const before = await selectTenant(tx, id, true);
  const { rows } = await tx.query<TenantRow>(
    `UPDATE platform.tenants SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
    [id, status],
  );
  const record = toTenant(rows[0] as TenantRow);
  const verb = status === 'suspended' ? 'suspend' : 'activate';
  await journal(
    tx,
    id,
    { type: `tenant.${status === 'suspended' ? 'suspended' : 'activated'}`, key: id, payload: { tenantId: id, status } },
    { actor, action: `tenant.${verb}`, target: id, detail: { before: before.status, after: status } },
  );
  return record;
}

export async function deleteTenant(tx: Queryable, id: TenantId, actor: Actor): Promise<void> {
  validateTenantId(id);
  const row = await selectTenant(tx, id, true);
  await tx.query(`DROP SCHEMA ${ident(row.schema_name)} CASCADE`);
  await tx.query(`DROP ROLE IF EXISTS ${ident(row.role_name)}`);
  await tx.query('DELETE FROM platform.tenants WHERE id = $1', [id]);
  await journal(
    tx,
    id,
    { type: 'tenant.deleted', key: id, payload: { tenantId: id } },
    { actor, action: 'tenant.delete', target: id, detail: { schema: row.schema_name, role: row.role_name } },
  );
}

export async function getTenant(q: Queryable, id: TenantId): Promise<TenantRecord | undefined> {
  if (!validTenantIdShape(id)) return undefined;
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM platform.tenants WHERE id = $1`, [id]);
  return rows[0] ? toTenant(rows[0]) : undefined;
}

export async function listTenants(q: Queryable): Promise<TenantRecord[]> {
  const { rows } = await q.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM platform.tenants ORDER BY id`);
  return rows.map(toTenant);
}

/** Drops keys whose value is undefined, so `{ ports: undefined }` keeps the current value. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validTenantIdShape(id: string): boolean {
  try {
    validateTenantId(id);
    return true;
  } catch {
    return false;
  }
}
