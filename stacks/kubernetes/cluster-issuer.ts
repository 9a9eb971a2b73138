/**
 * The cert-manager ClusterIssuer that signs the Gateway's wildcard certificate: self-signed
 * (dev), Let's Encrypt with DNS01 through Route53 (a wildcard cannot use HTTP01), or one the
 * cluster already has. Created after the cert-manager release, whose CRDs it needs.
 * https://cert-manager.io/docs/configuration/acme/dns01/route53/
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { TlsConfig } from '../config.js';

export const LETSENCRYPT_SERVER = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETSENCRYPT_STAGING_SERVER = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export interface ClusterIssuerArgs {
  readonly tls: TlsConfig;
  /** Region of the Route53 API calls (letsencrypt). @default 'us-east-1' */
  readonly region?: string;
  readonly provider: k8s.Provider;
  readonly certManager: pulumi.Resource;
  readonly parent: pulumi.Resource;
}

/** The issuer's name, for the Gateway construct's `clusterIssuer`. */
export function clusterIssuerName(tls: TlsConfig): string {
  switch (tls.issuer) {
    case 'selfsigned':
      return 'debug-host-selfsigned';
    case 'letsencrypt':
      return tls.staging ? 'letsencrypt-staging' : 'letsencrypt';
    case 'existing':
      return tls.name;
  }
}

/** Creates the ClusterIssuer, or nothing for `existing`. */
export function clusterIssuer(args: ClusterIssuerArgs): k8s.apiextensions.CustomResource | undefined {
  const { tls } = args;
  if (tls.issuer === 'existing') return undefined;
  const name = clusterIssuerName(tls);
  const spec =
    tls.issuer === 'selfsigned'
      ? { selfSigned: {} }
      : {
          acme: {
            email: tls.email,
            server: tls.staging ? LETSENCRYPT_STAGING_SERVER : LETSENCRYPT_SERVER,
            privateKeySecretRef: { name: `${name}-account-key` },
            // Credentials come from the cert-manager ServiceAccount's IRSA role.
            solvers: [{ dns01: { route53: { region: args.region ?? 'us-east-1', hostedZoneID: tls.route53HostedZoneId } } }],
          },
        };
  return new k8s.apiextensions.CustomResource(name, { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name }, spec }, { parent: args.parent, provider: args.provider, dependsOn: [args.certManager] });
}
