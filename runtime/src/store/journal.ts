/**
 * Audit rows and outbox events. Callers pass the transaction of the change itself, so the
 * change, its audit row and its event commit or roll back together. These tables live in the
 * platform schema: inside a tenant-scoped transaction, call `asPlatform()` first.
 */
import type { Actor, TenantId } from '../domain/types.js';
import type { Queryable } from './sql-client.js';

export interface OutboxDraft {
  readonly type: string;
  /** Ordering key downstream: the project id, or the tenant id for tenant events. */
  readonly key: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface AuditDraft {
  readonly actor: Actor;
  readonly action: string;
  readonly target: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Writes the event, and the audit row when there is one, in a single statement. */
export async function journal(tx: Queryable, tenantId: TenantId, event: OutboxDraft, audit?: AuditDraft): Promise<void> {
  const eventParams = [tenantId, event.type, event.key, JSON.stringify(event.payload)];
  if (!audit) {
    await tx.query('INSERT INTO platform.outbox (tenant_id, type, key, payload) VALUES ($1, $2, $3, $4::jsonb)', eventParams);
    return;
  }
  await tx.query(
    `WITH a AS (
       INSERT INTO platform.audit (tenant_id, actor, actor_role, action, target, detail)
       VALUES ($1, $5, $6, $7, $8, $9::jsonb)
     )
     INSERT INTO platform.outbox (tenant_id, type, key, payload) VALUES ($1, $2, $3, $4::jsonb)`,
    [...eventParams, audit.actor.subject, audit.actor.role, audit.action, audit.target, JSON.stringify(audit.detail ?? {})],
  );
}

/** Leaves the tenant role for the runtime's own, for the rest of the transaction. */
export async function asPlatform(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('role', 'none', true)`);
}
