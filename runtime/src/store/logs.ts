/**
 * Log queries inside one tenant schema. `s` is the quoted schema name; the caller has already
 * switched to the tenant's role, so these can only touch that tenant's rows.
 */
import { DebugHostError } from '../domain/errors.js';
import type { LogLine } from '../domain/types.js';
import { likeContains } from './names.js';
import { LOG_COLUMNS, toLog, type LogRow } from './rows.js';
import { sqlState, type Queryable } from './sql-client.js';
import type { LogFilter, LogStats } from './store.js';

/** Rows per INSERT: big batches in few round trips without one huge statement. */
const APPEND_CHUNK = 5000;

export async function appendLogs(tx: Queryable, s: string, lines: readonly LogLine[]): Promise<void> {
  for (let i = 0; i < lines.length; i += APPEND_CHUNK) {
    const chunk = lines.slice(i, i + APPEND_CHUNK);
    // One multi-row insert per chunk: seven array parameters, whatever the number of lines.
    await tx.query(
      `INSERT INTO ${s}.logs (${LOG_COLUMNS})
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
       ON CONFLICT (project_id, seq) DO NOTHING`,
      [
        chunk.map((l) => l.projectId),
        chunk.map((l) => l.runId),
        chunk.map((l) => l.seq),
        chunk.map((l) => l.ts.toISOString()),
        chunk.map((l) => l.stream),
        chunk.map((l) => l.level),
        // Postgres text cannot hold NUL; a process may still print one.
        chunk.map((l) => l.message.replace(/\0/g, '\uFFFD')),
      ],
    );
  }
}

export async function queryLogs(tx: Queryable, s: string, f: LogFilter): Promise<LogLine[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.projectIds) where.push(`project_id = ANY(${p([...f.projectIds])}::text[])`);
  if (f.levels) where.push(`level = ANY(${p([...f.levels])}::text[])`);
  if (f.streams) where.push(`stream = ANY(${p([...f.streams])}::text[])`);
  if (f.since) where.push(`ts >= ${p(f.since.toISOString())}::timestamptz`);
  if (f.until) where.push(`ts <= ${p(f.until.toISOString())}::timestamptz`);
  for (const t of f.includeAll ?? []) where.push(`message ILIKE ${p(likeContains(t))} ESCAPE '\\'`);
  for (const t of f.exclude ?? []) where.push(`message NOT ILIKE ${p(likeContains(t))} ESCAPE '\\'`);
  for (const r of f.regex ?? []) where.push(`message ~* ${p(r)}`);
  if (f.afterSeq !== undefined) where.push(`seq > ${p(f.afterSeq)}`);
  const dir = f.order === 'desc' ? 'DESC' : 'ASC';
  if (!Number.isFinite(f.limit)) {
    throw new DebugHostError('invalid_input', `limit: ${String(f.limit)} is not a number of lines.`, { field: 'limit', fix: 'Give limit as a positive integer.' });
  }
  const limit = Math.max(0, Math.floor(f.limit));
  const sql =
    `SELECT ${LOG_COLUMNS} FROM ${s}.logs` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ts ${dir}, seq ${dir}, project_id ${dir} LIMIT ${p(limit)}`;
  try {
    const { rows } = await tx.query<LogRow>(sql, params);
    return rows.map(toLog);
  } catch (err) {
    if (sqlState(err) === '2201B') {
      throw new DebugHostError('invalid_input', `regex: not a valid regular expression (${(err as Error).message}).`, {
        field: 'regex',
        fix: 'Fix the pattern (POSIX regular expression syntax, case-insensitive), or search for a plain substring.',
      });
    }
    throw err;
  }
}

export async function logContext(tx: Queryable, s: string, projectId: string, seq: number, before: number, after: number): Promise<LogLine[]> {
  // Seqs may have gaps (pruning, clears): count lines, not seq numbers.
  const { rows } = await tx.query<LogRow>(
    `SELECT * FROM (
       (SELECT ${LOG_COLUMNS} FROM ${s}.logs WHERE project_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT $3)
       UNION ALL
       (SELECT ${LOG_COLUMNS} FROM ${s}.logs WHERE project_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $4)
     ) c ORDER BY seq`,
    [projectId, seq, Math.max(0, before) + 1, Math.max(0, after)],
  );
  return rows.map(toLog);
}

export async function maxLogSeq(tx: Queryable, s: string, projectId: string): Promise<number> {
  const { rows } = await tx.query<{ m: number }>(`SELECT coalesce(max(seq), 0) AS m FROM ${s}.logs WHERE project_id = $1`, [projectId]);
  return rows[0]?.m ?? 0;
}

export async function clearLogs(tx: Queryable, s: string, projectId: string | undefined): Promise<number> {
  const { rows } = await tx.query<{ n: number }>(
    `WITH d AS (DELETE FROM ${s}.logs WHERE $1::text IS NULL OR project_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
    [projectId ?? null],
  );
  return rows[0]?.n ?? 0;
}

export async function logStats(tx: Queryable, s: string, projectId: string | undefined): Promise<LogStats> {
  // One pass grouped by the three facets; the few groups are folded here.
  const { rows } = await tx.query<{
    level: string;
    stream: string;
    project_id: string;
    n: number;
    bytes: number;
    first: Date;
    last: Date;
  }>(
    `SELECT level, stream, project_id, count(*)::int AS n, sum(octet_length(message))::float8 AS bytes,
            min(ts) AS first, max(ts) AS last
       FROM ${s}.logs WHERE $1::text IS NULL OR project_id = $1
      GROUP BY level, stream, project_id`,
    [projectId ?? null],
  );
  const byLevel: Record<string, number> = {};
  const byStream: Record<string, number> = {};
  const byProject: Record<string, number> = {};
  let total = 0;
  let bytes = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  for (const r of rows) {
    total += r.n;
    bytes += r.bytes;
    byLevel[r.level] = (byLevel[r.level] ?? 0) + r.n;
    byStream[r.stream] = (byStream[r.stream] ?? 0) + r.n;
    byProject[r.project_id] = (byProject[r.project_id] ?? 0) + r.n;
    if (!first || r.first < first) first = r.first;
    if (!last || r.last > last) last = r.last;
  }
  return { total, bytes, byLevel, byStream, byProject, first, last };
}

export async function pruneLogs(tx: Queryable, s: string, keepPerProject: number): Promise<number> {
  const keep = Math.max(0, Math.floor(keepPerProject));
  // The newest line past the kept ones marks the cut: everything at or below its seq goes.
  const { rows } = await tx.query<{ n: number }>(
    `WITH cut AS (
       SELECT project_id, seq FROM (
         SELECT project_id, seq, row_number() OVER (PARTITION BY project_id ORDER BY seq DESC) AS rn FROM ${s}.logs
       ) ranked WHERE rn = $1 + 1
     ), d AS (
       DELETE FROM ${s}.logs l USING cut WHERE l.project_id = cut.project_id AND l.seq <= cut.seq RETURNING 1
     ) SELECT count(*)::int AS n FROM d`,
    [keep],
  );
  return rows[0]?.n ?? 0;
}
