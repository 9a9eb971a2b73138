import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import type { IGateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import type { IHTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { modelObject } from './common.js';
import { DASHBOARD_PORT, MCP_PORT } from './debug-host.js';
import {
  BackendTrafficPolicy,
  BackendTrafficPolicySpecLoadBalancerType,
} from './imports/envoy-gateway-gateway.envoyproxy.io.js';
import { TENANT_LABEL, componentLabels } from './labels.js';
import { ConstructPropsError, requireDnsLabel, requireDnsName, requireTenantId, requireUnique } from './validation.js';

/** One tenant's host on the Gateway. */
export interface GatewayTenant {
  /** Tenant id. */
  readonly name: string;
  /** @default '<name>.<domain>' */
  readonly hostname?: string;
}

export interface GatewayProps {
  /** Base domain: tenants are served at `<tenant>.<domain>`. */
  readonly domain: string;
  /** @default 'debug-host' */
  readonly namespace?: string;
  /** @default 'debug-host' */
  readonly name?: string;
  /** GatewayClass (Envoy Gateway's). @default 'eg' */
  readonly gatewayClassName?: string;
  /** cert-manager ClusterIssuer for the TLS certificate (a wildcard needs a DNS-01 solver). @default 'letsencrypt' */
  readonly clusterIssuer?: string;
  /** Runtime Service the routes send to. @default 'debug-host' */
  readonly serviceName?: string;
  /** Header set from the hostname on every request: the tenant that hostname names (a client cannot spoof another's). @default 'x-debug-host-tenant' */
  readonly tenantHeader?: string;
  /** @default [] */
  readonly tenants?: readonly GatewayTenant[];
}

/**
 * Gateway API ingress (ingress-nginx is retired) on Envoy Gateway: a `Gateway` with an HTTPS
 * listener for `*.<domain>` whose certificate cert-manager issues (`Certificate`), an HTTP
 * listener that only redirects to HTTPS, one `HTTPRoute` per tenant on `<tenant>.<domain>`
 * that sets the tenant header from the hostname (a client cannot spoof another tenant's)
 * and sends `/mcp`, `/health`, `/ready` to 2601 and the rest to the dashboard on 2602, and an
 * Envoy `BackendTrafficPolicy` that balances by least requests. Not a hash on the tenant: the
 * runtime places each project on the replica its ring names (by project, which the gateway
 * cannot see in a JSON-RPC body) and forwards a call that lands elsewhere, so stickiness by
 * tenant would buy nothing and pile a busy tenant's calls onto one replica.
 *
 * Escape hatch: `gateway`, `certificate`, `routes`, `redirectRoute`, `trafficPolicy`.
 *
 * @see https://gateway-api.sigs.k8s.io/reference/spec/
 * @see https://gateway.envoyproxy.io/docs/tasks/traffic/load-balancing/
 * @see https://cert-manager.io/docs/usage/certificate/
 */
export class Gateway extends Construct {
  readonly name: string;
  readonly namespaceName: string;
  readonly domain: string;
  readonly tenantHeader: string;
  /** Tenant id -> hostname. */
  readonly hostnames: ReadonlyMap<string, string>;
  readonly gateway: ApiObject;
  readonly certificate: ApiObject;
  readonly redirectRoute: ApiObject;
  readonly routes: readonly ApiObject[];
  readonly trafficPolicy: ApiObject;
  readonly apiObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const C = 'Gateway';
    if (props === undefined || props === null) {
      throw new ConstructPropsError(C, 'props', 'props are missing', 'Pass { domain: "debug-host.example.com" }.');
    }
    this.domain = requireDnsName(C, 'domain', props.domain);
    this.name = requireDnsLabel(C, 'name', props.name ?? 'debug-host');
    this.namespaceName = requireDnsLabel(C, 'namespace', props.namespace ?? 'debug-host');
    const className = requireDnsLabel(C, 'gatewayClassName', props.gatewayClassName ?? 'eg', 253);
    const issuer = requireDnsLabel(C, 'clusterIssuer', props.clusterIssuer ?? 'letsencrypt', 253);
    const service = requireDnsLabel(C, 'serviceName', props.serviceName ?? 'debug-host');
    this.tenantHeader = props.tenantHeader ?? 'x-debug-host-tenant';
    if (!/^[a-z0-9-]+$/.test(this.tenantHeader)) {
      throw new ConstructPropsError(C, 'tenantHeader', `${JSON.stringify(this.tenantHeader)} is not a lowercase header name`, 'Use e.g. "x-debug-host-tenant".');
    }
    const tenants = props.tenants ?? [];
    const hostnames = new Map<string, string>();
    for (const t of tenants) {
      requireTenantId(C, 'tenants[].name', t.name);
      const host = requireDnsName(C, `tenants[${t.name}].hostname`, t.hostname ?? `${t.name}.${this.domain}`);
      if (!host.endsWith(`.${this.domain}`) || host.slice(0, -this.domain.length - 1).includes('.')) {
        throw new ConstructPropsError(C, `tenants[${t.name}].hostname`, `"${host}" is not one label under ${this.domain}`, `Use "<label>.${this.domain}" so the wildcard certificate covers it.`);
      }
      hostnames.set(t.name, host);
    }
    requireUnique(C, 'tenants[].name', tenants.map((t) => t.name));
    requireUnique(C, 'tenants[].hostname', [...hostnames.values()]);
    this.hostnames = hostnames;

    const ns = this.namespaceName;
    const name = this.name;
    const labels = componentLabels(name, 'gateway');
    const tlsSecret = `${name}-tls`;
    const wildcard = `*.${this.domain}`;

    this.certificate = modelObject<ICertificate>(this, 'Certificate', {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: tlsSecret, namespace: ns, labels },
      spec: {
        secretName: tlsSecret,
        dnsNames: [wildcard, this.domain],
        issuerRef: { kind: 'ClusterIssuer', name: issuer, group: 'cert-manager.io' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    });

    this.gateway = modelObject<IGateway>(this, 'Gateway', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name, namespace: ns, labels },
      spec: {
        gatewayClassName: className,
        listeners: [
          {
            name: 'https',
            protocol: 'HTTPS',
            port: 443,
            hostname: wildcard,
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: tlsSecret }] },
            allowedRoutes: { namespaces: { from: 'Same' } },
          },
          { name: 'http', protocol: 'HTTP', port: 80, hostname: wildcard, allowedRoutes: { namespaces: { from: 'Same' } } },
        ],
      },
    });

    this.redirectRoute = modelObject<IHTTPRoute>(this, 'RedirectRoute', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: `${name}-https-redirect`, namespace: ns, labels },
      spec: {
        parentRefs: [{ name, sectionName: 'http' }],
        hostnames: [wildcard],
        rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
      },
    });

    const backend = (port: number) => [{ name: service, port }];
    this.routes = tenants.map((t) => {
      const setTenant = [{ type: 'RequestHeaderModifier' as const, requestHeaderModifier: { set: [{ name: this.tenantHeader, value: t.name }] } }];
      return modelObject<IHTTPRoute>(this, `Route-${t.name}`, {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: `tenant-${t.name}`, namespace: ns, labels: { ...labels, [TENANT_LABEL]: t.name } },
        spec: {
          parentRefs: [{ name, sectionName: 'https' }],
          hostnames: [hostnames.get(t.name) ?? ''],
          rules: [
            {
              matches: ['/mcp', '/health', '/ready'].map((path) => ({ path: { type: 'PathPrefix' as const, value: path } })),
              filters: setTenant,
              backendRefs: backend(MCP_PORT),
            },
            { matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: setTenant, backendRefs: backend(DASHBOARD_PORT) },
          ],
        },
      });
    });

    this.trafficPolicy = new BackendTrafficPolicy(this, 'TrafficPolicy', {
      metadata: { name: `${name}-balancing`, namespace: ns, labels },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name }],
        loadBalancer: { type: BackendTrafficPolicySpecLoadBalancerType.LEAST_REQUEST },
      },
    });

    this.apiObjects = [this.certificate, this.gateway, this.redirectRoute, ...this.routes, this.trafficPolicy];
  }
}
