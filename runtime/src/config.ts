/**
 * Runtime configuration from flags and environment, validated once at start. Every field
 * has a default that runs the product on a laptop (embedded store, process driver).
 */
import { AUTOSCALER_ENV_NAMES, autoscalerConfigFields } from './config-autoscaler.js';
import { ADMISSION_DEFAULTS } from './tools/admission.js';
import { hostname } from 'node:os';
import { z } from 'zod';
import { KUBE_ENV_NAMES, kubeConfigFields } from './config-kube.js';
import { DebugHostError } from './domain/errors.js';
import { DEFAULT_OUTBOX_RETENTION_MS } from './events/outbox-pruner.js';
import { DEFAULT_LOG_PIPELINE } from './logs/log-settings.js';
import { DEFAULT_SUPERVISION } from './projects/settings.js';
import { DEFAULT_HTTP_GUARDS, parseAllowedOrigins } from './server/http-guards.js';
import { DEFAULT_DATABASE_TIMEOUTS } from './store/pg-client.js';

const port = (name: string) => z.coerce.number().int().min(0, `${name} must be 0-65535`).max(65535, `${name} must be 0-65535`);

export const configSchema = z.object({
  /** Interface to listen on. @default '127.0.0.1' (set 0.0.0.0 in a container) */
  host: z.string().min(1).default('127.0.0.1'),
  /** MCP, health, readiness and metrics. @default 2601 */
  port: port('port').default(2601),
  /** Embedded store directory (PGlite) and local secret. @default '.debug-host' */
  dataDir: z.string().min(1).default('.debug-host'),
  /** PostgreSQL instead of the embedded store. */
  databaseUrl: z.string().url('DATABASE_URL must be a postgres:// URL').optional(),
  /** Prefix of the per-tenant PostgreSQL roles (roles are server-wide: databases sharing a server need different ones). @default '' */
  dbRolePrefix: z.string().regex(/^([a-z][a-z0-9_]{0,15})?$/, 'DEBUG_HOST_DB_ROLE_PREFIX must be up to 16 lowercase letters, digits and underscores, starting with a letter').default(''),
  /** PostgreSQL connections per replica. @default 10 */
  dbPoolSize: z.coerce.number().int().min(1).max(200).default(10),
  /** Connecting to PostgreSQL, and waiting for a free pooled connection, before a call fails `unavailable`. @default 5000 */
  dbConnectTimeoutMs: z.coerce.number().int().min(100, 'DEBUG_HOST_DB_CONNECT_TIMEOUT_MS must be at least 100').default(DEFAULT_DATABASE_TIMEOUTS.connectTimeoutMs),
  /** PostgreSQL's statement_timeout; a connection that does not answer at all fails 2 s later. @default 10000 */
  dbStatementTimeoutMs: z.coerce.number().int().min(100, 'DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS must be at least 100').default(DEFAULT_DATABASE_TIMEOUTS.statementTimeoutMs),
  /** Shared HS256 secret for tokens; generated into the data dir in embedded mode. */
  jwtSecret: z.string().min(32, 'DEBUG_HOST_JWT_SECRET must be at least 32 characters').optional(),
  jwksUrl: z.string().url('DEBUG_HOST_JWKS_URL must be a URL').optional(),
  /** @default 'debug-host' */
  jwtAudience: z.string().min(1).default('debug-host'),
  /** How peers reach this replica. @default `http://HOST:PORT` (POD_IP, or 127.0.0.1 for 0.0.0.0) */
  advertiseUrl: z.string().url('DEBUG_HOST_ADVERTISE_URL must be a URL such as http://10.0.0.5:2601').optional(),
  /** Signs calls forwarded between replicas; required on PostgreSQL (see clusterSecretOf). @default DEBUG_HOST_JWT_SECRET */
  clusterSecret: z.string().min(32, 'DEBUG_HOST_CLUSTER_SECRET must be at least 32 characters').optional(),
  /** This replica's name in logs, metrics and ownership. @default POD_NAME, else `<hostname>-<pid>` */
  replicaId: z.string().min(1).default(process.env.POD_NAME ?? `${hostname()}-${process.pid}`),
  /** @default 'info' */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** Tool calls per second per tenant (0 turns limiting off). @default 50 */
  rateLimitPerSecond: z.coerce.number().min(0).default(50),
  /** Calls a tenant may burst above its rate. @default 200 */
  rateLimitBurst: z.coerce.number().int().min(1).default(200),
  /** How often the leader writes a usage sample per tenant (for billing). @default 60000 */
  usageIntervalMs: z.coerce.number().int().min(1000).default(60_000),
  stopGraceMs: z.coerce.number().int().min(0).default(DEFAULT_SUPERVISION.stopGraceMs),
  reapIntervalMs: z.coerce.number().int().min(100).default(DEFAULT_SUPERVISION.reapIntervalMs),
  logRetentionLines: z.coerce.number().int().min(100).default(DEFAULT_SUPERVISION.logRetentionLines),
  resumeConcurrency: z.coerce.number().int().min(1).max(256).default(DEFAULT_SUPERVISION.resumeConcurrency),
  /** Log lines of one project waiting in memory while the store does not take them; the oldest past it are spilled. @default 5000 */
  logPendingLinesPerProject: z.coerce.number().int().min(10, 'DEBUG_HOST_LOG_PENDING_LINES_PER_PROJECT must be at least 10').default(DEFAULT_LOG_PIPELINE.maxPendingLinesPerProject),
  /** Log lines of all projects waiting in memory; the oldest past it are spilled. @default 50000 */
  logPendingLines: z.coerce.number().int().min(10, 'DEBUG_HOST_LOG_PENDING_LINES must be at least 10').default(DEFAULT_LOG_PIPELINE.maxPendingLines),
  /** Bytes of one project's log spill file under `<dataDir>/log-spill/` (0: no spill, lines past memory are dropped). @default 16777216 */
  logSpillBytesPerProject: z.coerce.number().int().min(0).default(DEFAULT_LOG_PIPELINE.spillBytesPerProject),
  /** Bytes of all this replica's log spill files. @default 268435456 */
  logSpillBytes: z.coerce.number().int().min(0).default(DEFAULT_LOG_PIPELINE.spillBytes),
  /** Longest a stop, an exit or a log read waits for pending lines to be stored. @default 3000 */
  logFlushTimeoutMs: z.coerce.number().int().min(0).default(DEFAULT_LOG_PIPELINE.flushTimeoutMs),
  /** Delivered outbox events older than this are deleted by the leader (undelivered ones never). @default 86400000 (1 day) */
  outboxRetentionMs: z.coerce.number().int().min(0).default(DEFAULT_OUTBOX_RETENTION_MS),
  /** Which runs move to a replica that joins: `adopt` (Pods, which keep running), `restart` (processes too), `off`. @default 'adopt' */
  rebalance: z.enum(['off', 'adopt', 'restart']).default('adopt'),
  /** How long the ring must be unchanged before runs move. @default 30000 */
  rebalanceSettleMs: z.coerce.number().int().min(0).default(30_000),
  /** Changing tool calls (start, stop, register...) a replica works on at once. @default 8 */
  admissionInFlight: z.coerce.number().int().min(1).max(1024).default(ADMISSION_DEFAULTS.inFlight),
  /** Changing tool calls that may wait for a turn; past it they are answered `overloaded`. @default 512 */
  admissionQueued: z.coerce.number().int().min(0).default(ADMISSION_DEFAULTS.queued),
  /** Longest wait for a turn before a call is answered `overloaded`. @default 10000 */
  admissionMaxWaitMs: z.coerce.number().int().min(0).default(ADMISSION_DEFAULTS.maxWaitMs),
  /** Largest MCP request body; larger ones are refused with 413 before they are read. @default 4194304 */
  maxBodyBytes: z.coerce.number().int().min(1024, 'DEBUG_HOST_MAX_BODY_BYTES must be at least 1024').default(DEFAULT_HTTP_GUARDS.maxBodyBytes),
  /** Comma-separated origins browsers may call MCP from, besides loopback ones (others get 403). @default '' */
  allowedOrigins: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return parseAllowedOrigins(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Time a client has to send its request headers (then 408). @default 10000 */
  headersTimeoutMs: z.coerce.number().int().min(1000, 'DEBUG_HOST_HEADERS_TIMEOUT_MS must be at least 1000').default(DEFAULT_HTTP_GUARDS.headersTimeoutMs),
  /** Time a client has to send its whole request (then 408). @default 30000 */
  requestTimeoutMs: z.coerce.number().int().min(1000, 'DEBUG_HOST_REQUEST_TIMEOUT_MS must be at least 1000').default(DEFAULT_HTTP_GUARDS.requestTimeoutMs),
  /** Tenant created on first start of an empty store. @default 'default' */
  bootstrapTenant: z.string().min(3).default('default'),
  ...kubeConfigFields,
  ...autoscalerConfigFields,
});

export type RuntimeConfig = z.infer<typeof configSchema>;
export type RuntimeConfigInput = z.input<typeof configSchema>;

/** Environment variable for each config key. */
export const ENV_NAMES: Readonly<Record<keyof RuntimeConfig, string>> = {
  host: 'DEBUG_HOST_HOST',
  port: 'DEBUG_HOST_PORT',
  dataDir: 'DEBUG_HOST_DATA_DIR',
  databaseUrl: 'DATABASE_URL',
  dbRolePrefix: 'DEBUG_HOST_DB_ROLE_PREFIX',
  dbPoolSize: 'DEBUG_HOST_DB_POOL_SIZE',
  dbConnectTimeoutMs: 'DEBUG_HOST_DB_CONNECT_TIMEOUT_MS',
  dbStatementTimeoutMs: 'DEBUG_HOST_DB_STATEMENT_TIMEOUT_MS',
  jwtSecret: 'DEBUG_HOST_JWT_SECRET',
  jwksUrl: 'DEBUG_HOST_JWKS_URL',
  jwtAudience: 'DEBUG_HOST_JWT_AUDIENCE',
  replicaId: 'DEBUG_HOST_REPLICA_ID',
  advertiseUrl: 'DEBUG_HOST_ADVERTISE_URL',
  clusterSecret: 'DEBUG_HOST_CLUSTER_SECRET',
  logLevel: 'DEBUG_HOST_LOG_LEVEL',
  rateLimitPerSecond: 'DEBUG_HOST_RATE_LIMIT_PER_SEC',
  rateLimitBurst: 'DEBUG_HOST_RATE_LIMIT_BURST',
  usageIntervalMs: 'DEBUG_HOST_USAGE_INTERVAL_MS',
  stopGraceMs: 'DEBUG_HOST_STOP_GRACE_MS',
  reapIntervalMs: 'DEBUG_HOST_REAP_INTERVAL_MS',
  logRetentionLines: 'DEBUG_HOST_LOG_RETENTION_LINES',
  resumeConcurrency: 'DEBUG_HOST_RESUME_CONCURRENCY',
  logPendingLinesPerProject: 'DEBUG_HOST_LOG_PENDING_LINES_PER_PROJECT',
  logPendingLines: 'DEBUG_HOST_LOG_PENDING_LINES',
  logSpillBytesPerProject: 'DEBUG_HOST_LOG_SPILL_BYTES_PER_PROJECT',
  logSpillBytes: 'DEBUG_HOST_LOG_SPILL_BYTES',
  logFlushTimeoutMs: 'DEBUG_HOST_LOG_FLUSH_TIMEOUT_MS',
  outboxRetentionMs: 'DEBUG_HOST_OUTBOX_RETENTION_MS',
  rebalance: 'DEBUG_HOST_REBALANCE',
  rebalanceSettleMs: 'DEBUG_HOST_REBALANCE_SETTLE_MS',
  admissionInFlight: 'DEBUG_HOST_ADMISSION_IN_FLIGHT',
  admissionQueued: 'DEBUG_HOST_ADMISSION_QUEUED',
  admissionMaxWaitMs: 'DEBUG_HOST_ADMISSION_MAX_WAIT_MS',
  maxBodyBytes: 'DEBUG_HOST_MAX_BODY_BYTES',
  allowedOrigins: 'DEBUG_HOST_ALLOWED_ORIGINS',
  headersTimeoutMs: 'DEBUG_HOST_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'DEBUG_HOST_REQUEST_TIMEOUT_MS',
  bootstrapTenant: 'DEBUG_HOST_BOOTSTRAP_TENANT',
  ...KUBE_ENV_NAMES,
  ...AUTOSCALER_ENV_NAMES,
};

/** Flags win over environment; unknown values stop the start with the key and the fix. */
export function loadConfig(flags: Partial<Record<keyof RuntimeConfig, unknown>>, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV_NAMES) as Array<[keyof RuntimeConfig, string]>) {
    const value = flags[key] ?? (env[envName] === '' ? undefined : env[envName]);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '') as keyof RuntimeConfig;
  throw new DebugHostError('invalid_input', `Configuration ${key} (${ENV_NAMES[key] ?? key}): ${issue?.message ?? 'invalid'}.`, {
    field: key,
    fix: `Correct --${kebab(key)} or ${ENV_NAMES[key] ?? key}.`,
  });
}

/**
 * The secret that signs calls forwarded between replicas, or undefined on the embedded store
 * (one process, no cluster). Replicas on PostgreSQL always form a cluster: without a secret
 * they could not forward calls, and each would act alone on every tenant's runs.
 */
export function clusterSecretOf(config: RuntimeConfig): string | undefined {
  if (!config.databaseUrl) return undefined;
  const secret = config.clusterSecret ?? config.jwtSecret;
  if (secret) return secret;
  throw new DebugHostError(
    'invalid_input',
    `Configuration clusterSecret (${ENV_NAMES.clusterSecret}): is required with ${ENV_NAMES.databaseUrl} when tokens come from ${ENV_NAMES.jwksUrl}; replicas sharing the database sign the calls they forward to each other with it.`,
    {
      field: 'clusterSecret',
      fix: `Set ${ENV_NAMES.clusterSecret} to one random value of at least 32 characters, the same on every replica (e.g. \`openssl rand -base64 48\`); it defaults to ${ENV_NAMES.jwtSecret} when that is set.`,
    },
  );
}

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
