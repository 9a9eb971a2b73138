/**
 * The ownership cache: which project a call names and which replica runs it, shared by the
 * replicas in Redis (an in-process LRU without it). Routing needs that on every project
 * call; the cache spares the store that read.
 *
 * An entry can be stale for up to `ttlMs`: it then sends a call to a replica that no longer
 * runs the project, which serves it from the store (a forwarded call runs where it lands;
 * starts and handovers are compare-and-set in the store): slower, never wrong, never twice.
 * Entries naming a replica that left or drains are ignored by the router, and a replica
 * drops the entry of every project it changed.
 */
import type { Cache } from '../cache/cache.js';
import type { ProjectRecord } from '../domain/types.js';
import type { Metrics } from '../metrics/metrics.js';

/** What routing needs of a project. */
export type ProjectRoute = Pick<ProjectRecord, 'id' | 'owner' | 'port'>;

export interface RouteCacheOptions {
  readonly cache: Cache;
  /** Counts hits and misses. @default - not counted */
  readonly metrics?: Metrics;
  /** How long an entry is trusted. @default 5000 */
  readonly ttlMs?: number;
}

export class RouteCache {
  private readonly ttlMs: number;

  constructor(private readonly options: RouteCacheOptions) {
    this.ttlMs = options.ttlMs ?? 5000;
  }

  /** The route cached for the id or name a caller gave, within its tenant. */
  async get(tenantId: string, idOrName: string): Promise<ProjectRoute | undefined> {
    const raw = await this.options.cache.get(key(tenantId, idOrName));
    const route = raw === undefined ? undefined : parse(raw);
    this.options.metrics?.routeCache.inc({ result: route ? 'hit' : 'miss' });
    return route;
  }

  /** Best effort: a failed write is a later miss. */
  remember(tenantId: string, idOrName: string, project: ProjectRoute): void {
    const route: ProjectRoute = { id: project.id, owner: project.owner, port: project.port };
    void this.options.cache.set(key(tenantId, idOrName), JSON.stringify(route), this.ttlMs);
  }

  forget(tenantId: string, idOrName: string): Promise<void> {
    return this.options.cache.del(key(tenantId, idOrName));
  }
}

// The braces make the tenant a Redis Cluster hash tag: a tenant's routes share a slot.
const key = (tenantId: string, idOrName: string): string => `route:{${tenantId}}:${idOrName}`;

function parse(raw: string): ProjectRoute | undefined {
  try {
    const value = JSON.parse(raw) as Partial<ProjectRoute>;
    if (typeof value.id !== 'string') return undefined;
    return {
      id: value.id,
      owner: typeof value.owner === 'string' ? value.owner : undefined,
      port: typeof value.port === 'number' ? value.port : undefined,
    };
  } catch {
    return undefined; // not ours or from another version: a miss
  }
}
