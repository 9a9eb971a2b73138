/**
 * The Store over a SqlClient: platform-wide calls here, tenant-scoped ones in SqlTenantStore.
 * Tenant lifecycle SQL lives in tenants.ts, log SQL in logs.ts, quota enforcement in claim.ts.
 */
import { ClaimBatcher } from './claim-batch.js';
import type { Actor, OutboxEvent, PortRange, ProjectRecord, TenantId, TenantQuotas, TenantRecord, TenantStatus } from '../domain/types.js';
import { journal } from './journal.js';
import { checkLeaderEpoch } from './leader-epoch.js';
import { migrate } from './migrations.js';
import { ident, literal, ROLE_PREFIX_RULE } from './names.js';
import { PROJECT_COLUMNS, toEvent, toProject, type OutboxRow, type ProjectRow } from './rows.js';
import type { SqlClient } from './sql-client.js';
import type { NewTenant, Store, TenantStore } from './store.js';
import { SqlTenantStore } from './tenant-store.js';
import * as replicas from './replicas.js';
import { scalingStore, type ScalingStore } from './scaling.js';
import type { ReplicaRecord } from './replicas.js';
import * as tenants from './tenants.js';

export interface SqlStoreOptions {
  /** Tenant port ranges are carved from here. @default { from: 20000, to: 59999 } */
  readonly portBase?: PortRange;
  /**
   * Prepended to tenant role names (`<prefix>tenant_<id>`). Roles are cluster-wide in
   * PostgreSQL: databases sharing a cluster need distinct prefixes. @default ''
   */
  readonly rolePrefix?: string;
}

/** Tenant schemas per UNION ALL statement when scanning across tenants. */
const UNION_CHUNK = 200;

export class SqlStore implements Store {
  private readonly opts: tenants.TenantOptions;
  /** One group commit of claims per tenant with claims in progress (claim-batch.ts). */
  private readonly claimBatchers = new Map<TenantId, ClaimBatcher>();
  readonly scaling: ScalingStore;

  constructor(
    /** The underlying client, for tests and maintenance; the store owns it and closes it. */
    readonly client: SqlClient,
    options: SqlStoreOptions = {},
  ) {
    const rolePrefix = options.rolePrefix ?? '';
    if (rolePrefix !== '' && !ROLE_PREFIX_RULE.test(rolePrefix)) {
      throw new Error(`rolePrefix '${rolePrefix}' must match ${ROLE_PREFIX_RULE.source}`);
    }
    this.opts = { portBase: options.portBase ?? tenants.DEFAULT_PORT_BASE, rolePrefix };
    this.scaling = scalingStore(client);
  }

  migrate(): Promise<void> {
    return migrate(this.client);
  }

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.client.close();
  }

  createTenant(input: NewTenant, actor: Actor): Promise<TenantRecord> {
    return this.client.transaction((tx) => tenants.createTenant(tx, input, actor, this.opts));
  }

  createFirstTenant(input: NewTenant, actor: Actor): Promise<TenantRecord | undefined> {
    return this.client.transaction((tx) => tenants.createFirstTenant(tx, input, actor, this.opts));
  }

  getTenant(id: TenantId): Promise<TenantRecord | undefined> {
    return tenants.getTenant(this.client, id);
  }

  listTenants(): Promise<TenantRecord[]> {
    return tenants.listTenants(this.client);
  }

  updateTenantQuotas(id: TenantId, quotas: Partial<TenantQuotas>, actor: Actor): Promise<TenantRecord> {
    return this.client.transaction((tx) => tenants.updateTenantQuotas(tx, id, quotas, actor));
  }

  setTenantStatus(id: TenantId, status: TenantStatus, actor: Actor): Promise<TenantRecord> {
    return this.client.transaction((tx) => tenants.setTenantStatus(tx, id, status, actor));
  }

  deleteTenant(id: TenantId, actor: Actor): Promise<void> {
    return this.client.transaction((tx) => tenants.deleteTenant(tx, id, actor));
  }

  recordEvent(tenantId: TenantId, type: string, key: string, payload: Readonly<Record<string, unknown>>, leaderEpoch?: number): Promise<void> {
    return this.client.transaction(async (tx) => {
      await checkLeaderEpoch(tx, leaderEpoch);
      await journal(tx, tenantId, { type, key, payload });
    });
  }

  heartbeat(id: string, address: string, draining: boolean): Promise<void> {
    return replicas.heartbeat(this.client, id, address, draining);
  }

  liveReplicas(maxAgeMs: number): Promise<ReplicaRecord[]> {
    return replicas.liveReplicas(this.client, maxAgeMs);
  }

  leaveCluster(id: string): Promise<void> {
    return replicas.leave(this.client, id);
  }

  tenant(id: TenantId): TenantStore {
    let claims = this.claimBatchers.get(id);
    if (!claims) {
      const batcher: ClaimBatcher = new ClaimBatcher(() => {
        if (this.claimBatchers.get(id) === batcher) this.claimBatchers.delete(id);
      });
      this.claimBatchers.set(id, batcher);
      claims = batcher;
    }
    return new SqlTenantStore(this.client, id, claims);
  }

  async listDesiredRunning(owner?: string): Promise<ProjectRecord[]> {
    const { rows: all } = await this.client.query<{ id: string; schema_name: string }>(
      'SELECT id, schema_name FROM platform.tenants ORDER BY id',
    );
    const out: ProjectRecord[] = [];
    for (let i = 0; i < all.length; i += UNION_CHUNK) {
      const parts = all.slice(i, i + UNION_CHUNK).map(
        (t) =>
          `SELECT ${literal(t.id)}::text AS tenant_id, ${PROJECT_COLUMNS} FROM ${ident(t.schema_name)}.projects
            WHERE desired = 'running' AND ($1::text IS NULL OR owner = $1)`,
      );
      const { rows } = await this.client.query<ProjectRow & { tenant_id: string }>(
        `${parts.join(' UNION ALL ')} ORDER BY tenant_id, name`,
        [owner ?? null],
      );
      for (const r of rows) out.push(toProject(r.tenant_id, r));
    }
    return out;
  }

  async pendingEvents(limit: number): Promise<OutboxEvent[]> {
    const { rows } = await this.client.query<OutboxRow>(
      `SELECT id, tenant_id, type, key, payload, created_at FROM platform.outbox
        WHERE delivered_at IS NULL ORDER BY id LIMIT $1`,
      [Math.max(0, Math.floor(limit))],
    );
    return rows.map(toEvent);
  }

  async markDelivered(ids: readonly number[], leaderEpoch?: number): Promise<void> {
    if (ids.length === 0) return;
    await this.client.transaction(async (tx) => {
      await checkLeaderEpoch(tx, leaderEpoch);
      await tx.query('UPDATE platform.outbox SET delivered_at = now() WHERE id = ANY($1::bigint[]) AND delivered_at IS NULL', [[...ids]]);
    });
  }

  pruneDeliveredEvents(olderThanMs: number, limit: number, leaderEpoch?: number): Promise<number> {
    return this.client.transaction(async (tx) => {
      await checkLeaderEpoch(tx, leaderEpoch);
      // Through the outbox_delivered index (migration 3): the oldest delivered rows, a bounded batch.
      const { rows } = await tx.query<{ n: number }>(
        `WITH doomed AS (
           SELECT id FROM platform.outbox
            WHERE delivered_at IS NOT NULL AND delivered_at < now() - $1::bigint * interval '1 millisecond'
            ORDER BY delivered_at LIMIT $2
         ), deleted AS (
           DELETE FROM platform.outbox o USING doomed WHERE o.id = doomed.id RETURNING 1
         )
         SELECT count(*)::int AS n FROM deleted`,
        [Math.max(0, Math.floor(olderThanMs)), Math.max(0, Math.floor(limit))],
      );
      return rows[0]?.n ?? 0;
    });
  }
}
