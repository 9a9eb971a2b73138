import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

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
  /** cert-manager ClusterIssuer for the TLS certificate. @default 'letsencrypt' */
  readonly clusterIssuer?: string;
  /** Runtime Service the routes send to. @default 'debug-host' */
  readonly serviceName?: string;
  /** Header used for consistent hashing. @default 'x-debug-host-tenant' */
  readonly tenantHeader?: string;
  /** @default [] */
  readonly tenants?: readonly GatewayTenant[];
}

/** Gateway API Gateway, HTTPRoutes, cert-manager Certificate, Envoy BackendTrafficPolicy. (Being filled in.) */
export class Gateway extends Construct {
  readonly name: string;
  readonly apiObjects: readonly ApiObject[] = [];
  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    this.name = props.name ?? 'debug-host';
  }
}
