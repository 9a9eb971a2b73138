/**
 * Versioned, idempotent migrations. Platform migrations are recorded in
 * `platform.schema_migrations`; each tenant schema records its version in
 * `platform.tenants.schema_version`, so `migrate()` also upgrades every tenant schema.
 *
 * Everything runs in one transaction behind a transaction-scoped advisory lock, so several
 * runtimes starting against the same database migrate one after the other: the first applies,
 * the others find nothing left to do. DDL is transactional in Postgres, so a failed migration
 * leaves no half-applied schema behind.
 */
import type { Queryable, SqlClient } from './sql-client.js';
import { ident } from './names.js';

/** Arbitrary but fixed (`debugh` in ASCII): the advisory lock key for migrations. */
export const MIGRATION_LOCK_KEY = 0x646562756768;

interface PlatformMigration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/** Append only: never edit a released migration, add a new version. */
export const PLATFORM_MIGRATIONS: readonly PlatformMigration[] = [
  {
    version: 1,
    name: 'tenants, audit, outbox, replicas',
    statements: [
      `CREATE TABLE platform.tenants (
        id text PRIMARY KEY,
        display_name text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        containers integer NOT NULL CHECK (containers >= 0),
        ports integer NOT NULL CHECK (ports >= 0),
        memory_mib integer NOT NULL CHECK (memory_mib >= 0),
        cpu_millis integer NOT NULL CHECK (cpu_millis >= 0),
        storage_mib integer NOT NULL CHECK (storage_mib >= 0),
        port_from integer NOT NULL CHECK (port_from BETWEEN 1 AND 65535),
        port_to integer NOT NULL CHECK (port_to BETWEEN port_from AND 65535),
        schema_name text NOT NULL UNIQUE,
        role_name text NOT NULL UNIQUE,
        schema_version integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Port ranges never overlap between tenants, whatever the application code does.
        CONSTRAINT tenants_port_ranges_disjoint
          EXCLUDE USING gist (int4range(port_from, port_to, '[]') WITH &&)
      )`,
      `CREATE TABLE platform.audit (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        actor text NOT NULL,
        actor_role text NOT NULL,
        action text NOT NULL,
        target text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX audit_by_tenant ON platform.audit (tenant_id, id DESC)`,
      `CREATE TABLE platform.outbox (
        id bigserial PRIMARY KEY,
        tenant_id text NOT NULL,
        type text NOT NULL,
        key text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`,
      `CREATE INDEX outbox_pending ON platform.outbox (id) WHERE delivered_at IS NULL`,
      // Heartbeats for discovery outside Kubernetes (clustering comes later).
      `CREATE TABLE platform.replicas (
        id text PRIMARY KEY,
        address text,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        meta jsonb NOT NULL DEFAULT '{}'
      )`,
    ],
  },
  {
    version: 2,
    name: 'leader epoch',
    // One row: increased by each new leader, so that a deposed leader's relay and metering
    // writes are refused (cluster/leadership.ts, store/sql-store.ts).
    statements: [
      `CREATE TABLE platform.leader (
        id integer PRIMARY KEY CHECK (id = 1),
        epoch bigint NOT NULL,
        holder text,
        since timestamptz
      )`,
      `INSERT INTO platform.leader (id, epoch) VALUES (1, 0)`,
    ],
  },
  {
    version: 3,
    name: 'outbox retention',
    // The leader deletes delivered events oldest first in bounded batches
    // (events/outbox-pruner.ts): a range scan on delivered_at, over delivered rows only.
    statements: [`CREATE INDEX outbox_delivered ON platform.outbox (delivered_at) WHERE delivered_at IS NOT NULL`],
  },
  {
    version: 4,
    name: 'autoscaler history, decisions, replica load',
    // The autoscaler's leader loop (scaling/scaling-leader.ts): each replica reports its load,
    // the leader appends one cluster-wide sample per period (pruned past the days it keeps, so
    // the table stays bounded) and records each decision; a new leader continues from them.
    statements: [
      `CREATE TABLE platform.replica_load (
        id text PRIMARY KEY,
        reported_at timestamptz NOT NULL DEFAULT now(),
        running integer NOT NULL CHECK (running >= 0),
        in_flight integer NOT NULL CHECK (in_flight >= 0),
        cpu_percent double precision,
        memory_percent double precision
      )`,
      `CREATE TABLE platform.scaling_history (
        at timestamptz PRIMARY KEY,
        demand double precision NOT NULL CHECK (demand >= 0),
        in_flight integer NOT NULL,
        replicas integer NOT NULL,
        cpu_percent double precision,
        memory_percent double precision,
        epoch bigint
      )`,
      `CREATE TABLE platform.scaling_decisions (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        epoch bigint,
        leader text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('recommend', 'kubernetes')),
        floor_from integer NOT NULL,
        floor_to integer NOT NULL,
        change text NOT NULL,
        rule text NOT NULL,
        reason text NOT NULL,
        decision jsonb NOT NULL
      )`,
      `CREATE INDEX scaling_decisions_at ON platform.scaling_decisions (at)`,
    ],
  },
];

interface TenantMigration {
  readonly version: number;
  readonly name: string;
  /** `s` is the quoted schema name. */
  readonly statements: (s: string) => readonly string[];
}

/** Applied to every tenant schema, in order. Append only. */
export const TENANT_MIGRATIONS: readonly TenantMigration[] = [
  {
    version: 1,
    name: 'projects, runs, logs',
    statements: (s) => [
      `CREATE TABLE ${s}.projects (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        workspace text NOT NULL,
        command text NOT NULL,
        cwd text NOT NULL,
        env jsonb NOT NULL,
        tech_stack text,
        preferred_port integer,
        readiness jsonb NOT NULL,
        restart jsonb NOT NULL,
        idle_timeout_sec integer NOT NULL,
        desired text NOT NULL DEFAULT 'stopped' CHECK (desired IN ('running', 'stopped')),
        state text NOT NULL DEFAULT 'registered',
        ready boolean NOT NULL DEFAULT false,
        port integer UNIQUE,
        pid integer,
        restarts integer NOT NULL DEFAULT 0,
        exit_code integer,
        signal text,
        stop_reason text,
        owner text,
        run_id text,
        started_at timestamptz,
        stopped_at timestamptz,
        last_activity_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX projects_desired ON ${s}.projects (desired)`,
      // A run holds one container slot and one port lease from claimStart to release.
      `CREATE TABLE ${s}.runs (
        id text PRIMARY KEY,
        project_id text NOT NULL REFERENCES ${s}.projects (id) ON DELETE CASCADE,
        port integer NOT NULL,
        owner text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        ended_at timestamptz,
        outcome text,
        reason text,
        exit_code integer,
        signal text
      )`,
      `CREATE UNIQUE INDEX runs_one_open_per_project ON ${s}.runs (project_id) WHERE ended_at IS NULL`,
      `CREATE TABLE ${s}.logs (
        project_id text NOT NULL REFERENCES ${s}.projects (id) ON DELETE CASCADE,
        run_id text NOT NULL,
        seq bigint NOT NULL,
        ts timestamptz NOT NULL,
        stream text NOT NULL,
        level text NOT NULL,
        message text NOT NULL,
        PRIMARY KEY (project_id, seq)
      )`,
      `CREATE INDEX logs_ts ON ${s}.logs (ts)`,
    ],
  },
  {
    version: 2,
    name: 'fencing epoch of a run',
    // Increased on every change of a run's ownership (store/fence.ts).
    statements: (s) => [`ALTER TABLE ${s}.projects ADD COLUMN epoch bigint NOT NULL DEFAULT 0`],
  },
];

export const TENANT_SCHEMA_VERSION = TENANT_MIGRATIONS[TENANT_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings one tenant schema from `from` to the latest version and (re)grants its role the
 * data rights on every table: usage of its own schema and DML, never DDL nor other schemas.
 */
export async function upgradeTenantSchema(
  tx: Queryable,
  tenantId: string,
  schemaName: string,
  roleName: string,
  from: number,
): Promise<void> {
  const s = ident(schemaName);
  const r = ident(roleName);
  for (const m of TENANT_MIGRATIONS) {
    if (m.version <= from) continue;
    for (const sql of m.statements(s)) await tx.query(sql);
  }
  await tx.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
  await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
  await tx.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
  await tx.query('UPDATE platform.tenants SET schema_version = $2 WHERE id = $1', [tenantId, TENANT_SCHEMA_VERSION]);
}

export async function migrate(client: SqlClient): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query('CREATE SCHEMA IF NOT EXISTS platform');
    // Nobody but the runtime's own role reads the platform schema.
    await tx.query('REVOKE ALL ON SCHEMA platform FROM PUBLIC');
    await tx.query(`CREATE TABLE IF NOT EXISTS platform.schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM platform.schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    for (const m of PLATFORM_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const sql of m.statements) await tx.query(sql);
      await tx.query('INSERT INTO platform.schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    const stale = await tx.query<{ id: string; schema_name: string; role_name: string; schema_version: number }>(
      'SELECT id, schema_name, role_name, schema_version FROM platform.tenants WHERE schema_version < $1 ORDER BY id',
      [TENANT_SCHEMA_VERSION],
    );
    for (const t of stale.rows) await upgradeTenantSchema(tx, t.id, t.schema_name, t.role_name, t.schema_version);
  });
}
