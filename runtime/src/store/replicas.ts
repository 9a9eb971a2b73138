/** Replica heartbeats in `platform.replicas`: membership for replicas outside Kubernetes. */
import type { SqlClient } from './sql-client.js';

export interface ReplicaRecord {
  readonly id: string;
  /** Base URL peers reach it at (`http://host:port`). */
  readonly address: string;
  readonly draining: boolean;
  readonly heartbeatAt: Date;
}

export async function heartbeat(client: SqlClient, id: string, address: string, draining: boolean): Promise<void> {
  await client.query(
    `INSERT INTO platform.replicas (id, address, heartbeat_at, meta) VALUES ($1, $2, now(), jsonb_build_object('draining', $3::boolean))
     ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, heartbeat_at = now(), meta = EXCLUDED.meta`,
    [id, address, draining],
  );
}

/** Replicas whose last heartbeat is younger than `maxAgeMs`, by the database's clock. */
export async function liveReplicas(client: SqlClient, maxAgeMs: number): Promise<ReplicaRecord[]> {
  const { rows } = await client.query<{ id: string; address: string | null; draining: boolean | null; heartbeat_at: Date }>(
    `SELECT id, address, (meta->>'draining')::boolean AS draining, heartbeat_at FROM platform.replicas
      WHERE heartbeat_at > now() - ($1::double precision * interval '1 millisecond') ORDER BY id`,
    [maxAgeMs],
  );
  return rows.map((r) => ({ id: r.id, address: r.address ?? '', draining: r.draining === true, heartbeatAt: r.heartbeat_at }));
}

export async function leave(client: SqlClient, id: string): Promise<void> {
  await client.query('DELETE FROM platform.replicas WHERE id = $1', [id]);
}
