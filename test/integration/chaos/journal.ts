/**
 * The runtime's own record of each run, read after a fault run: the `project.*` events it
 * wrote to its outbox in the transaction of each change (claims, pids, crashes, releases,
 * handovers). The outbox keeps delivered events, and its ids follow the order in which the
 * changes of one project were made (its row is locked by each). The checker uses it to tell
 * which run a process group belongs to, and why a run ended.
 */
import pg from 'pg';
import type { JournalEvent } from './history.js';

interface OutboxRow {
  id: string;
  key: string;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

export async function readJournal(databaseUrl: string, projectIds: readonly string[]): Promise<JournalEvent[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, key, type, payload, created_at FROM platform.outbox WHERE type LIKE 'project.%' AND key = ANY($1::text[]) ORDER BY id`,
      [projectIds],
    );
    return rows.map(toEvent);
  } finally {
    await client.end();
  }
}

function toEvent(row: OutboxRow): JournalEvent {
  const p = row.payload;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    id: Number(row.id),
    projectId: row.key,
    type: row.type,
    at: row.created_at.getTime(),
    ...(text(p.runId) ? { runId: text(p.runId) } : {}),
    ...(typeof p.pid === 'number' ? { pid: p.pid } : {}),
    ...(text(p.reason) ? { reason: text(p.reason) } : {}),
    ...(text(p.owner) ?? text(p.to) ? { owner: text(p.owner) ?? text(p.to) } : {}),
  };
}
