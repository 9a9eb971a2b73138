/**
 * The autoscaler's tables (platform migration 4): the load each replica reports, the
 * cluster-wide demand history the leader appends to (bounded: older rows are pruned), and
 * the decisions it took. The leader's writes are fenced on its epoch (leader-epoch.ts): a
 * deposed leader's sample or decision is refused, and its event with it.
 */
import type { TenantId } from '../domain/types.js';
import { journal } from './journal.js';
import { checkLeaderEpoch } from './leader-epoch.js';
import type { SqlClient } from './sql-client.js';

export interface ReplicaLoad {
  readonly id: string;
  /** Projects running on the replica. */
  readonly running: number;
  /** Changing tool calls running or waiting there (the admission's queue). */
  readonly inFlight: number;
  /** @default - unknown */
  readonly cpuPercent?: number;
  /** @default - unknown */
  readonly memoryPercent?: number;
}

export interface ClusterDemand {
  /** Replicas that reported within the window. */
  readonly replicas: number;
  /** Projects running cluster-wide: the demand the forecast reads. */
  readonly running: number;
  readonly inFlight: number;
  /** Average over the replicas that know it. @default - none knows */
  readonly cpuPercent?: number;
  /** @default - none knows */
  readonly memoryPercent?: number;
  readonly perReplica: readonly ReplicaLoad[];
}

export interface ScalingSample {
  /** Seconds since the epoch. */
  readonly at: number;
  readonly demand: number;
  readonly inFlight: number;
  readonly replicas: number;
  /** @default - unknown */
  readonly cpuPercent?: number;
  /** @default - unknown */
  readonly memoryPercent?: number;
}

export interface ScalingDecisionRecord {
  readonly id: number;
  /** Seconds since the epoch. */
  readonly at: number;
  readonly leader: string;
  readonly mode: 'recommend' | 'kubernetes';
  readonly floor: { readonly from: number; readonly to: number; readonly change: string; readonly rule: string };
  readonly reason: string;
  /** The whole decision (decide.ts), with its facts and, in Kubernetes mode, the patch plan. */
  readonly decision: Readonly<Record<string, unknown>>;
}

export type NewScalingDecision = Omit<ScalingDecisionRecord, 'id'>;

/** The outbox event of a decision: topic `debug-host.scaling` (events/topics.ts). */
export const SCALING_EVENT_TYPE = 'scaling.decision';
/** Platform events belong to no tenant; this is the outbox's tenant column for them. */
export const PLATFORM_EVENT_TENANT = '_platform' as TenantId;

export interface ScalingStore {
  /** This replica's load now (each replica, every period). */
  reportLoad(load: ReplicaLoad): Promise<void>;
  /** Sums the loads reported within `maxAgeMs` (the database's clock). */
  clusterDemand(maxAgeMs: number): Promise<ClusterDemand>;
  /** Appends one sample and deletes the ones older than `keepSeconds`, fenced on `epoch`. */
  appendSample(sample: ScalingSample, keepSeconds: number, epoch?: number): Promise<void>;
  /** Samples newer than `sinceSeconds` (seconds since the epoch), oldest first. */
  history(sinceSeconds: number): Promise<ScalingSample[]>;
  /** Stores the decision and its outbox event in one transaction, fenced on `epoch`; decisions older than `keepSeconds` go. */
  recordDecision(decision: NewScalingDecision, keepSeconds: number, epoch?: number): Promise<void>;
  /** The newest `limit` decisions, newest first. */
  recentDecisions(limit: number): Promise<ScalingDecisionRecord[]>;
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const opt = <K extends string>(key: K, v: number | undefined): { [P in K]?: number } => (v === undefined || !Number.isFinite(v) ? {} : ({ [key]: v } as { [P in K]: number }));

export function scalingStore(client: SqlClient): ScalingStore {
  return {
    async reportLoad(load) {
      await client.query(
        `INSERT INTO platform.replica_load (id, reported_at, running, in_flight, cpu_percent, memory_percent) VALUES ($1, now(), $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET reported_at = now(), running = EXCLUDED.running, in_flight = EXCLUDED.in_flight,
           cpu_percent = EXCLUDED.cpu_percent, memory_percent = EXCLUDED.memory_percent`,
        [load.id, load.running, load.inFlight, load.cpuPercent ?? null, load.memoryPercent ?? null],
      );
    },

    async clusterDemand(maxAgeMs) {
      const { rows } = await client.query<{ id: string; running: number; in_flight: number; cpu_percent: number | null; memory_percent: number | null }>(
        `SELECT id, running, in_flight, cpu_percent, memory_percent FROM platform.replica_load
          WHERE reported_at > now() - ($1::double precision * interval '1 millisecond') ORDER BY id`,
        [maxAgeMs],
      );
      const perReplica = rows.map((r) => ({ id: r.id, running: Number(r.running), inFlight: Number(r.in_flight), ...opt('cpuPercent', num(r.cpu_percent)), ...opt('memoryPercent', num(r.memory_percent)) }));
      const mean = (values: Array<number | undefined>) => {
        const known = values.filter((v): v is number => v !== undefined);
        return known.length === 0 ? undefined : known.reduce((a, b) => a + b, 0) / known.length;
      };
      return {
        replicas: perReplica.length,
        running: perReplica.reduce((a, r) => a + r.running, 0),
        inFlight: perReplica.reduce((a, r) => a + r.inFlight, 0),
        ...opt('cpuPercent', mean(perReplica.map((r) => r.cpuPercent))),
        ...opt('memoryPercent', mean(perReplica.map((r) => r.memoryPercent))),
        perReplica,
      };
    },

    appendSample(sample, keepSeconds, epoch) {
      return client.transaction(async (tx) => {
        await checkLeaderEpoch(tx, epoch);
        // Two leaders in one instant (a change of leader) write one row: the later one wins.
        await tx.query(
          `INSERT INTO platform.scaling_history (at, demand, in_flight, replicas, cpu_percent, memory_percent, epoch) VALUES (to_timestamp($1), $2, $3, $4, $5, $6, $7)
           ON CONFLICT (at) DO UPDATE SET demand = EXCLUDED.demand, in_flight = EXCLUDED.in_flight, replicas = EXCLUDED.replicas,
             cpu_percent = EXCLUDED.cpu_percent, memory_percent = EXCLUDED.memory_percent, epoch = EXCLUDED.epoch`,
          [sample.at, sample.demand, sample.inFlight, sample.replicas, sample.cpuPercent ?? null, sample.memoryPercent ?? null, epoch ?? null],
        );
        await tx.query('DELETE FROM platform.scaling_history WHERE at < to_timestamp($1)', [sample.at - keepSeconds]);
      });
    },

    async history(sinceSeconds) {
      const { rows } = await client.query<{ at: number; demand: number; in_flight: number; replicas: number; cpu_percent: number | null; memory_percent: number | null }>(
        `SELECT extract(epoch FROM at)::double precision AS at, demand, in_flight, replicas, cpu_percent, memory_percent
           FROM platform.scaling_history WHERE at > to_timestamp($1) ORDER BY at`,
        [sinceSeconds],
      );
      return rows.map((r) => ({
        at: Number(r.at),
        demand: Number(r.demand),
        inFlight: Number(r.in_flight),
        replicas: Number(r.replicas),
        ...opt('cpuPercent', num(r.cpu_percent)),
        ...opt('memoryPercent', num(r.memory_percent)),
      }));
    },

    recordDecision(d, keepSeconds, epoch) {
      return client.transaction(async (tx) => {
        await checkLeaderEpoch(tx, epoch);
        await tx.query(
          `INSERT INTO platform.scaling_decisions (at, epoch, leader, mode, floor_from, floor_to, change, rule, reason, decision)
           VALUES (to_timestamp($1), $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
          [d.at, epoch ?? null, d.leader, d.mode, d.floor.from, d.floor.to, d.floor.change, d.floor.rule, d.reason, JSON.stringify(d.decision)],
        );
        await tx.query('DELETE FROM platform.scaling_decisions WHERE at < to_timestamp($1)', [d.at - keepSeconds]);
        await journal(tx, PLATFORM_EVENT_TENANT, {
          type: SCALING_EVENT_TYPE,
          key: 'autoscaler',
          payload: { at: new Date(d.at * 1000).toISOString(), leader: d.leader, mode: d.mode, floor: d.floor, reason: d.reason },
        });
      });
    },

    async recentDecisions(limit) {
      const { rows } = await client.query<{ id: string; at: number; leader: string; mode: 'recommend' | 'kubernetes'; floor_from: number; floor_to: number; change: string; rule: string; reason: string; decision: unknown }>(
        `SELECT id, extract(epoch FROM at)::double precision AS at, leader, mode, floor_from, floor_to, change, rule, reason, decision
           FROM platform.scaling_decisions ORDER BY id DESC LIMIT $1`,
        [limit],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        leader: r.leader,
        mode: r.mode,
        floor: { from: Number(r.floor_from), to: Number(r.floor_to), change: r.change, rule: r.rule },
        reason: r.reason,
        decision: (typeof r.decision === 'string' ? JSON.parse(r.decision) : r.decision) as Record<string, unknown>,
      }));
    },
  };
}
