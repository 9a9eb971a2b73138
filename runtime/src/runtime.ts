/**
 * The composition root: builds one runtime from its config. No module-level singletons,
 * so tests and benchmarks can run several runtimes in one process.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { clusterSecretOf, type RuntimeConfig } from './config.js';
import type { Actor } from './domain/types.js';
import type { Driver } from './drivers/driver.js';
import { ProcessDriver } from './drivers/process-driver.js';
import { loadKubeParts, type KubeParts } from './kube-parts.js';
import { LogPipeline } from './logs/log-pipeline.js';
import { spillDirFor } from './logs/spill-file.js';
import { Metrics } from './metrics/metrics.js';
import { Autoscaling } from './scaling/autoscaling.js';
import { ProjectService } from './projects/project-service.js';
import { createHttpServer } from './server/http-server.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { TokenService } from './tenancy/tokens.js';
import { Membership, ownerLeaseHoldMs } from './cluster/membership.js';
import { OwnerLease } from './cluster/owner-lease.js';
import { ForwardMarkVerifier } from './cluster/forward-mark.js';
import { CallRouter } from './cluster/router.js';
import { OwnershipReconciler } from './projects/ownership.js';
import { RouteCache } from './cluster/route-cache.js';
import { connectServices, type ReplicaServices } from './services.js';
import { Admission } from './tools/admission.js';
import { ToolDispatcher } from './tools/dispatcher.js';
import { packageVersion } from './version.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from './tracing/tracing.js';
import { tracedDriver } from './tracing/traced-driver.js';
import { logTraceFields } from './tracing/spans.js';

/**
 * How long a closing replica waits for open HTTP connections (calls in flight, a client that
 * keeps its connection) before it closes them: shutdown must finish inside the Pod's
 * termination grace (30 s), or the kubelet's SIGKILL cuts the store's close short.
 */
const HTTP_DRAIN_MS = 10_000;

export interface RuntimeOptions {
  readonly logger?: Logger;
  /** @default - the driver `config.driver` names */
  readonly driver?: Driver;
  /** Environment for the optional services (Redis, Kafka) and tracing (`OTEL_*`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where spans go instead of the OTLP endpoint (tests, benchmarks). @default - OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else no tracing */
  readonly spanExporter?: SpanExporter;
}

export const SYSTEM_ACTOR: Actor = { subject: 'system', role: 'platform-admin', tenantId: 'system' };

export class Runtime {
  readonly version = packageVersion();
  readonly dispatcher: ToolDispatcher;
  readonly projects: ProjectService;
  readonly metrics: Metrics;
  /** Project logs on their way to the store (bounded memory, spill files under the data dir). */
  readonly logs: LogPipeline;
  private http?: HttpServer;
  private draining = false;
  private readonly admission: Admission;
  /** Load reports on every replica, the scaling leader on the leader (scaling/autoscaling.ts). */
  private autoscaling?: Autoscaling;
  /** Present when replicas share a PostgreSQL store and so form a cluster. */
  private cluster?: { membership: Membership; router: CallRouter; ownership: OwnershipReconciler };

  private constructor(
    readonly config: RuntimeConfig,
    readonly store: Store,
    readonly tokens: TokenService,
    readonly logger: Logger,
    private readonly driver: Driver,
    readonly services: ReplicaServices,
    /** Present exactly when replicas share a PostgreSQL store (see clusterSecretOf). */
    private readonly clusterSecret: string | undefined,
    /** Until when this replica may act as the owner of its runs (renewed by the membership). */
    private readonly lease: OwnerLease,
    /** Traces (off unless an OTLP endpoint is set); shut down last. */
    readonly tracing: Tracing,
    /** Present when replicas find each other through the peer Service's EndpointSlices. */
    private readonly kubeDiscovery?: KubeParts['discovery'],
    private readonly kubeConfig?: KubeParts['kubeConfig'],
  ) {
    this.metrics = new Metrics(config.replicaId, { exemplars: tracing.enabled });
    this.logs = new LogPipeline({
      settings: {
        maxPendingLinesPerProject: config.logPendingLinesPerProject,
        maxPendingLines: config.logPendingLines,
        spillBytesPerProject: config.logSpillBytesPerProject,
        spillBytes: config.logSpillBytes,
        flushTimeoutMs: config.logFlushTimeoutMs,
      },
      // Embedded, one process owns the data dir; on PostgreSQL replicas on one machine may share it.
      spillDir: spillDirFor(resolve(config.dataDir), config.databaseUrl ? config.replicaId : 'embedded'),
      logger,
      metrics: this.metrics,
    });
    this.projects = new ProjectService({
      store,
      driver,
      logs: this.logs,
      metrics: this.metrics,
      logger,
      replicaId: config.replicaId,
      lease,
      settings: {
        stopGraceMs: config.stopGraceMs,
        reapIntervalMs: config.reapIntervalMs,
        logRetentionLines: config.logRetentionLines,
        resumeConcurrency: config.resumeConcurrency,
      },
    });
    const router = clusterSecret ? this.clusterParts(clusterSecret).router : undefined;
    const admission = new Admission({ inFlight: config.admissionInFlight, queued: config.admissionQueued, maxWaitMs: config.admissionMaxWaitMs });
    this.dispatcher = new ToolDispatcher({
      store,
      projects: this.projects,
      metrics: this.metrics,
      logger,
      limiter: services.limiter,
      router,
      routes: router && new RouteCache({ cache: services.cache, metrics: this.metrics }),
      admission,
    });
    this.metrics.watchAdmission(() => admission.load);
    this.admission = admission;
  }

  static async create(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
    // First, so that the store's first queries and the logger's lines are in it.
    const tracing = startTracing({ replicaId: config.replicaId, version: packageVersion(), env: options.env ?? process.env, exporter: options.spanExporter });
    const logger = options.logger ?? pino({ level: config.logLevel, base: { replica: config.replicaId }, mixin: logTraceFields }, pino.destination(2));
    const clusterSecret = clusterSecretOf(config);
    const embedded = !config.databaseUrl;
    if (embedded) await mkdir(config.dataDir, { recursive: true });
    const secret = config.jwtSecret ?? (config.jwksUrl ? undefined : await localSecret(config, embedded));
    const tokens = new TokenService({ secret, jwksUrl: config.jwksUrl, audience: config.jwtAudience });
    // Before the store opens, so that a bad kubeconfig stops the start with nothing to close.
    const kube = await loadKubeParts(config, logger, options.env ?? process.env);
    const store = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: embedded ? join(resolve(config.dataDir), 'pglite') : undefined,
      rolePrefix: config.dbRolePrefix || undefined,
      poolSize: config.dbPoolSize,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      traced: tracing.enabled,
    });
    // In a cluster, peers take a replica's runs over once its membership expires: it holds them only while it renews.
    const lease = clusterSecret ? new OwnerLease(ownerLeaseHoldMs()) : OwnerLease.alone();
    const chosen = options.driver ?? kube.driver ?? new ProcessDriver({ lease, logger });
    const driver = tracing.enabled ? tracedDriver(chosen) : chosen;
    const services = connectServices(config, store, logger, options.env, kube.discovery?.lease);
    return new Runtime(config, store, tokens, logger, driver, services, clusterSecret, lease, tracing, kube.discovery, kube.kubeConfig);
  }

  get embedded(): boolean {
    return !this.config.databaseUrl;
  }

  /**
   * Creates the bootstrap tenant on an empty store. True when it was created now; false when
   * the store had tenants, or another replica starting at the same moment created it.
   */
  async bootstrap(): Promise<boolean> {
    const created = await this.store.createFirstTenant({ id: this.config.bootstrapTenant, displayName: 'Default tenant' }, SYSTEM_ACTOR);
    return created !== undefined;
  }

  /** Clustered parts, built once; the advertised address is set when the server listens. */
  private clusterParts(secret: string): NonNullable<Runtime['cluster']> {
    if (this.cluster) return this.cluster;
    const self = { id: this.config.replicaId, address: '', draining: false };
    const membership = new Membership({ store: this.store, self, logger: this.logger, source: this.kubeDiscovery?.members(), lease: this.lease });
    const router = new CallRouter({ membership, logger: this.logger, secret });
    const ownership = new OwnershipReconciler({
      store: this.store,
      projects: this.projects,
      membership,
      driver: this.driver,
      logger: this.logger,
      concurrency: this.config.resumeConcurrency,
      rebalance: { policy: this.config.rebalance, settleMs: this.config.rebalanceSettleMs },
    });
    this.cluster = { membership, router, ownership };
    return this.cluster;
  }

  /** Listens, joins the cluster (or recovers alone), starts housekeeping. */
  async start(): Promise<string> {
    const forwardMarks = new ForwardMarkVerifier(this.clusterSecret);
    this.http = createHttpServer({
      guards: {
        maxBodyBytes: this.config.maxBodyBytes,
        allowedOrigins: this.config.allowedOrigins,
        headersTimeoutMs: this.config.headersTimeoutMs,
        requestTimeoutMs: this.config.requestTimeoutMs,
      },
      dispatcher: this.dispatcher,
      tokens: this.tokens,
      metrics: this.metrics,
      logger: this.logger,
      version: this.version,
      health: async () => ({
        replicaId: this.config.replicaId,
        store: this.embedded ? 'pglite' : 'postgres',
        driver: this.driver.name,
        active: this.projects.supervisor.activeCount,
        owned: this.projects.supervisor.activeCount,
        members: this.cluster?.membership.ring.members ?? [this.config.replicaId],
        draining: this.draining,
        ...this.services.describe(),
      }),
      ready: async () => {
        if (this.draining) throw new Error('draining');
        await this.store.ping();
      },
      forwardedBy: (header, token, body) => forwardMarks.verify(header, token, body),
    });
    const http = this.http;
    await new Promise<void>((resolveListen, reject) => {
      http.once('error', reject);
      http.listen(this.config.port, this.config.host, () => resolveListen());
    });
    // Before any run opens its log again: a resumed run continues after the lines its last life spilled.
    this.logs.recover((tenantId) => this.store.tenant(tenantId));
    if (this.cluster) {
      await this.cluster.membership.start(this.advertiseUrl);
      // Runs this replica owned before a restart are started again before it reports started.
      await this.cluster.ownership.reconcile();
      this.cluster.ownership.start();
    } else {
      const recovered = await this.projects.recover();
      if (recovered.restarted || recovered.lost) this.logger.info(recovered, 'recovered projects after restart');
    }
    this.projects.startHousekeeping();
    this.autoscaling = await Autoscaling.create({
      config: this.config,
      store: this.store,
      leadership: this.services.leadership,
      metrics: this.metrics,
      logger: this.logger,
      running: () => this.projects.supervisor.activeCount,
      inFlight: () => this.admission.load.running + this.admission.load.waiting,
      ...(this.kubeConfig ? { kubeConfig: this.kubeConfig } : {}),
      inKubernetes: this.kubeDiscovery !== undefined,
    });
    this.autoscaling.start();
    await this.services.leadership.start();
    return this.url;
  }

  /** How peers reach this replica. */
  get advertiseUrl(): string {
    if (this.config.advertiseUrl) return this.config.advertiseUrl.replace(/\/$/, '');
    const address = this.http?.address() as AddressInfo | null | undefined;
    const host = this.config.host === '0.0.0.0' ? (process.env.POD_IP ?? '127.0.0.1') : this.config.host;
    return `http://${host}:${address?.port ?? this.config.port}`;
  }

  get url(): string {
    const address = this.http?.address() as AddressInfo | null | undefined;
    const port = address?.port ?? this.config.port;
    const host = this.config.host === '0.0.0.0' ? '127.0.0.1' : this.config.host;
    return `http://${host}:${port}/mcp`;
  }

  /**
   * Graceful exit: /ready turns false, peers take this replica out of the ring, its runs are
   * handed to their next owners, in-flight calls finish, then it leaves. Alone, local runs
   * are stopped with their desired state kept, so that the next start recovers them.
   */
  async close(): Promise<void> {
    this.draining = true;
    if (this.cluster) {
      await this.cluster.membership.drain();
      // Let peers see the drain before this replica stops answering for its projects.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await this.cluster.ownership.stop();
      const handed = await this.cluster.ownership.drain();
      this.logger.info({ handed }, 'handed runs to their next owners');
    }
    // Each phase is timed into the last log line, so that a slow shutdown says where it waited.
    const took: Record<string, number> = {};
    const phase = async (name: string, work: () => Promise<unknown> | undefined): Promise<void> => {
      const started = Date.now();
      await work();
      took[name] = Date.now() - started;
    };
    const http = this.http;
    if (http) {
      await phase('http', () => new Promise<void>((done) => {
        http.close(() => done());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), HTTP_DRAIN_MS).unref();
      }));
    }
    await phase('projects', () => this.projects.shutdown());
    // What the store did not take by now waits in the spill files for the next start.
    await phase('logs', async () => this.logs.shutdown());
    await phase('driver', () => this.driver.close?.());
    await phase('membership', () => this.cluster?.membership.stop());
    await phase('autoscaling', () => this.autoscaling?.close());
    await phase('services', () => this.services.close());
    await phase('store', () => this.store.close());
    await phase('tracing', () => this.tracing.shutdown());
    this.logger.info({ took }, 'closed');
  }
}

/** Embedded mode keeps a generated secret in the data dir so tokens survive restarts. */
async function localSecret(config: RuntimeConfig, embedded: boolean): Promise<string> {
  if (!embedded) {
    throw new Error('DEBUG_HOST_JWT_SECRET or DEBUG_HOST_JWKS_URL is required with DATABASE_URL: every replica must verify the same tokens.');
  }
  const file = join(config.dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(config.dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

export { localSecret };
