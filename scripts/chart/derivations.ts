/**
 * Values the constructs compute from the config instead of copying a prop, so that no
 * sentinel shows up where they land. Each is located in the sentinel synthesis (by the text
 * it has there, or by the field it fills) and templated with its own expression; `ts` is the
 * same computation for the generator's check, which fails when one is missing or wrong.
 * Everything here restates a rule of the constructs (named beside it).
 */
import { tenantSchemaName } from '../../constructs/postgres-ha.js';
import type { Expr, Json, Part, Scope } from './tree.js';
import type { ChartValues } from './values.js';

/** Text found in strings of the sentinel synthesis and replaced by `parts`. */
export interface TextDerivation {
  readonly label: string;
  readonly find: (v: ChartValues) => string;
  readonly parts: readonly Part[];
}

/** A whole field (by kind and `/`-joined path, `[]` for any list item). */
export interface FieldDerivation {
  readonly label: string;
  readonly kinds: readonly string[];
  readonly paths: readonly string[];
  readonly expr: Expr;
}

const int = (v: Json | undefined): number => Number(v);
const tenantName = (s: Scope): string => s.tenant?.name ?? '';

// kafka.ts: replication = min(3, brokers), min.insync.replicas = max(1, replication - 1).
const replication: Expr = { go: 'min 3 (int64 $.Values.kafka.brokers)', ts: (s) => Math.min(3, s.values.kafka.brokers) };
const minIsr: Expr = { go: 'max 1 (sub (min 3 (int64 $.Values.kafka.brokers)) 1)', ts: (s) => Math.max(1, Math.min(3, s.values.kafka.brokers) - 1) };

// postgres-ha.ts: one synchronous standby when there is a standby (synchronousReplicas' default).
const syncReplicas: Expr = { go: 'min 1 (sub (int64 $.Values.postgres.instances) 1)', ts: (s) => Math.min(1, s.values.postgres.instances - 1) };

// redis-cluster.ts: 3 primaries (the chart keeps the construct's default), each with its replicas.
const REDIS_PRIMARIES = 3;
const redisNodes = (v: ChartValues): number => REDIS_PRIMARIES * (1 + int(v.redis.replicasPerPrimary));
const redisHosts = (v: ChartValues): string =>
  Array.from({ length: redisNodes(v) }, (_, i) => `debug-host-redis-${i}.debug-host-redis-headless.${v.namespace}.svc.cluster.local`).join(' ');

export const FIELD_DERIVATIONS: readonly FieldDerivation[] = [
  {
    label: 'postgres synchronous replicas',
    kinds: ['Cluster'],
    paths: ['spec/minSyncReplicas', 'spec/maxSyncReplicas'],
    expr: syncReplicas,
  },
  {
    label: 'kafka replication factor',
    kinds: ['Kafka', 'KafkaTopic'],
    paths: ['spec/kafka/config/default.replication.factor', 'spec/kafka/config/offsets.topic.replication.factor', 'spec/kafka/config/transaction.state.log.replication.factor', 'spec/replicas'],
    expr: replication,
  },
  {
    label: 'kafka min.insync.replicas',
    kinds: ['Kafka', 'KafkaTopic'],
    paths: ['spec/kafka/config/min.insync.replicas', 'spec/kafka/config/transaction.state.log.min.isr', 'spec/config/min.insync.replicas'],
    expr: minIsr,
  },
  {
    label: 'redis nodes',
    kinds: ['StatefulSet'],
    paths: ['spec/replicas'],
    expr: { go: `mul ${REDIS_PRIMARIES} (add1 (int64 $.Values.redis.replicasPerPrimary))`, ts: (s) => redisNodes(s.values) },
  },
];

export const TEXT_DERIVATIONS: readonly TextDerivation[] = [
  {
    label: 'redis node hostnames',
    find: redisHosts,
    parts: [{ go: 'include "debug-host.redisHosts" $', ts: (s) => redisHosts(s.values), stringy: true }],
  },
  {
    label: 'redis --cluster-replicas',
    find: (v) => `--cluster-replicas ${v.redis.replicasPerPrimary}`,
    parts: ['--cluster-replicas ', { go: 'int64 $.Values.redis.replicasPerPrimary', ts: (s) => int(s.values.redis.replicasPerPrimary) }],
  },
  {
    // postgres-ha.ts tenantSchemaName: tenant_<id with - replaced by _>
    label: 'tenant schema name',
    find: (v) => tenantSchemaName(v.tenants[0]?.name ?? ''),
    parts: [{ go: 'printf "tenant_%s" (replace "-" "_" $t.name)', ts: (s) => tenantSchemaName(tenantName(s)), tenant: true, stringy: true }],
  },
  {
    // dashboards.ts tenantDashboard: the uid is cut to Grafana's 40 characters
    label: 'tenant dashboard uid',
    find: (v) => `debug-host-tenant-${v.tenants[0]?.name ?? ''}`.slice(0, 40),
    parts: [{ go: 'trunc 40 (printf "debug-host-tenant-%s" $t.name)', ts: (s) => `debug-host-tenant-${tenantName(s)}`.slice(0, 40), tenant: true, stringy: true }],
  },
];

/** The named templates the derivations use (templates/_helpers.tpl). */
export const HELPERS = `{{/* Written by scripts/chart/generate.ts (scripts/chart/derivations.ts); do not edit. */}}
{{/* The Redis nodes' hostnames, as redis-cluster.ts lists them for the init Job. */}}
{{- define "debug-host.redisHosts" -}}
{{- $hosts := list -}}
{{- range $i := until (int (mul ${REDIS_PRIMARIES} (add1 (int64 $.Values.redis.replicasPerPrimary)))) -}}
{{- $hosts = append $hosts (printf "debug-host-redis-%d.debug-host-redis-headless.%s.svc.cluster.local" $i $.Values.namespace) -}}
{{- end -}}
{{- join " " $hosts -}}
{{- end -}}
`;
