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

/** One change's journal: its event, and its audit row when there is one. */
export interface JournalEntry {
  readonly event: OutboxDraft;
  readonly audit?: AuditDraft;
}

/** Writes the event, and the audit row when there is one, in a single statement. */
export function journal(tx: Queryable, tenantId: TenantId, event: OutboxDraft, audit?: AuditDraft): Promise<void> {
  return journalMany(tx, tenantId, [{ event, audit }]);
}

/**
 * Writes the entries' events (in order: the outbox is read by id) and audit rows in a single
 * statement, however many there are: a batch of claims (claim.ts) journals in one round trip.
 */
export async function journalMany(tx: Queryable, tenantId: TenantId, entries: readonly JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const events = [
    entries.map((e) => e.event.type),
    entries.map((e) => e.event.key),
    entries.map((e) => JSON.stringify(e.event.payload)),
  ];
  const outbox = (first: number) =>
    `INSERT INTO platform.outbox (tenant_id, type, key, payload)
     SELECT $1, type, key, payload::jsonb FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::text[])
       WITH ORDINALITY AS e(type, key, payload, n) ORDER BY n`;
  const audits = entries.flatMap((e) => (e.audit ? [e.audit] : []));
  if (audits.length === 0) {
    await tx.query(outbox(2), [tenantId, ...events]);
    return;
  }
  await tx.query(
    `WITH a AS (
       INSERT INTO platform.audit (tenant_id, actor, actor_role, action, target, detail)
       SELECT $1, actor, actor_role, action, target, detail::jsonb
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS a(actor, actor_role, action, target, detail, n) ORDER BY n
     )
     ${outbox(7)}`,
    [
      tenantId,
      audits.map((a) => a.actor.subject),
      audits.map((a) => a.actor.role),
      audits.map((a) => a.action),
      audits.map((a) => a.target),
      audits.map((a) => JSON.stringify(a.detail ?? {})),
      ...events,
    ],
  );
}

/** Leaves the tenant role for the runtime's own, for the rest of the transaction. */
export async function asPlatform(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('role', 'none', true)`);
}
