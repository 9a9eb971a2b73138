/** Read-only accessors over Kubernetes objects held in `PolicyResource.props`. */
import type { PolicyResource } from './types.js';

/** Label on every tenant-owned object (set by the `Tenant` construct). */
export const TENANT_LABEL = 'debug-host.io/tenant';
/** Label naming the environment (set by the stack on every object it deploys). */
export const ENVIRONMENT_LABEL = 'debug-host.io/environment';
/** Tenant namespaces are `tenant-<name>` (the `Tenant` construct's convention). */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';

type Obj = Readonly<Record<string, unknown>>;

export function asObject(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function kindOf(r: PolicyResource): string | undefined {
  const kind = r.props['kind'];
  return typeof kind === 'string' ? kind : undefined;
}

/** The API group of an object (`''` for core), from its apiVersion. */
export function groupOf(r: PolicyResource): string | undefined {
  const apiVersion = r.props['apiVersion'];
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isKind(r: PolicyResource, kind: string, group?: string): boolean {
  return r.type.startsWith('kubernetes:') && kindOf(r) === kind && (group === undefined || groupOf(r) === group);
}

export function metadataOf(r: PolicyResource): Obj {
  return asObject(r.props['metadata']) ?? {};
}

export function nameOf(r: PolicyResource): string {
  const name = metadataOf(r)['name'];
  return typeof name === 'string' ? name : r.name;
}

export function namespaceOf(r: PolicyResource): string | undefined {
  const ns = metadataOf(r)['namespace'];
  return typeof ns === 'string' ? ns : undefined;
}

export function labelsOf(r: PolicyResource): Readonly<Record<string, string>> {
  return (asObject(metadataOf(r)['labels']) ?? {}) as Readonly<Record<string, string>>;
}

export function specOf(r: PolicyResource): Obj {
  return asObject(r.props['spec']) ?? {};
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), the subject of every message. */
export function describe(r: PolicyResource): string {
  const ns = namespaceOf(r);
  return `${kindOf(r) ?? r.type} ${ns === undefined ? '' : `${ns}/`}${nameOf(r)}`;
}

/** The pod template of any workload kind, or the spec of a bare Pod. */
export function podSpecOf(r: PolicyResource): Obj | undefined {
  if (!r.type.startsWith('kubernetes:')) return undefined;
  const spec = specOf(r);
  switch (kindOf(r)) {
    case 'Pod':
      return spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return asObject(asObject(spec['template'])?.['spec']);
    case 'CronJob':
      return asObject(asObject(asObject(asObject(spec['jobTemplate'])?.['spec'])?.['template'])?.['spec']);
    default:
      return undefined;
  }
}

export interface ContainerRef {
  readonly name: string;
  readonly container: Obj;
}

/** Containers and init containers of a pod spec. */
export function containersOf(podSpec: Obj): readonly ContainerRef[] {
  return [...asArray(podSpec['initContainers']), ...asArray(podSpec['containers'])].flatMap((c) => {
    const container = asObject(c);
    if (container === undefined) return [];
    const name = typeof container['name'] === 'string' ? container['name'] : '?';
    return [{ name, container }];
  });
}

/** True for namespaces the platform gives to tenants. */
export function isTenantNamespaceName(namespace: string | undefined): boolean {
  return namespace !== undefined && namespace.startsWith(TENANT_NAMESPACE_PREFIX);
}

/** The environment named by the first object carrying the environment label. */
export function environmentOf(resources: readonly PolicyResource[]): string | undefined {
  for (const r of resources) {
    const env = labelsOf(r)[ENVIRONMENT_LABEL];
    if (typeof env === 'string') return env;
  }
  return undefined;
}
