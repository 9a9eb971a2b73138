/**
 * Members from the EndpointSlices of the runtime's headless peer Service (labelled
 * `kubernetes.io/service-name=<service>`), through one list+watch: a ready endpoint is a
 * member, a terminating one is draining (reachable for forwarding, owns nothing), a not
 * ready one is out. Kubernetes decides liveness (the kubelet's probes, Pod deletion), so
 * no heartbeat is written. Needs `endpointslices: get, list, watch` in the runtime namespace.
 */
import {
  ADD,
  DELETE,
  DiscoveryV1Api,
  ERROR,
  UPDATE,
  makeInformer,
  type Informer,
  type KubeConfig,
  type ObjectCache,
  type V1Endpoint,
  type V1EndpointSlice,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Member, MemberSource } from './membership.js';

export interface EndpointSliceSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** The headless Service listing the replicas. */
  readonly service: string;
  readonly logger: Pick<Logger, 'warn'>;
  /** Port when a slice names none. @default 2601 */
  readonly defaultPort?: number;
}

export class EndpointSliceSource implements MemberSource {
  private readonly informer: Informer<V1EndpointSlice> & ObjectCache<V1EndpointSlice>;
  private readonly listeners: Array<() => void> = [];
  private started?: Promise<void>;
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly options: EndpointSliceSourceOptions) {
    const api = options.kubeConfig.makeApiClient(DiscoveryV1Api);
    const selector = `kubernetes.io/service-name=${options.service}`;
    this.informer = makeInformer<V1EndpointSlice>(
      options.kubeConfig,
      `/apis/discovery.k8s.io/v1/namespaces/${options.namespace}/endpointslices`,
      () => api.listNamespacedEndpointSlice({ namespace: options.namespace, labelSelector: selector }),
      selector,
    );
    const changed = () => this.listeners.forEach((listener) => listener());
    this.informer.on(ADD, changed);
    this.informer.on(UPDATE, changed);
    this.informer.on(DELETE, changed);
    this.informer.on(ERROR, (error?: unknown) => {
      if (this.stopped) return;
      options.logger.warn({ err: error, service: options.service }, 'EndpointSlice watch failed; restarting');
      this.retry = setTimeout(() => void this.informer.start(), 1000);
      this.retry.unref();
    });
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async poll(): Promise<Member[]> {
    this.started ??= this.informer.start();
    await this.started;
    return membersOf(this.informer.list(this.options.namespace), this.options.defaultPort ?? 2601);
  }

  async leave(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer.stop();
  }
}

/** Members of a set of slices; one endpoint listed in two slices (during an update) counts once. */
export function membersOf(slices: readonly V1EndpointSlice[], defaultPort: number): Member[] {
  const members = new Map<string, Member>();
  for (const slice of slices) {
    const port = slice.ports?.find((p) => p.name === 'mcp')?.port ?? slice.ports?.[0]?.port ?? defaultPort;
    for (const endpoint of slice.endpoints ?? []) {
      const member = memberOf(endpoint, port, slice.addressType);
      if (member && !(members.get(member.id)?.draining === false)) members.set(member.id, member);
    }
  }
  return [...members.values()];
}

function memberOf(endpoint: V1Endpoint, port: number, addressType: string): Member | undefined {
  const address = endpoint.addresses[0];
  if (!address) return undefined;
  const conditions = endpoint.conditions ?? {};
  const terminating = conditions.terminating === true;
  // `ready` unset means ready (EndpointConditions); not ready and not terminating is out.
  if (conditions.ready === false && !terminating) return undefined;
  const id = endpoint.targetRef?.name ?? endpoint.hostname ?? address;
  const host = addressType === 'IPv6' ? `[${address}]` : address;
  return { id, address: `http://${host}:${port}`, draining: terminating };
}
