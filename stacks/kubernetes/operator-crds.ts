/**
 * The operators' CRDs without the operators (`operators.install: crds`): for a bare local API
 * server with no network, where Helm charts cannot be fetched. CRDs committed in
 * constructs/crds/ are applied as they are; API groups with no committed CRD get schemaless
 * stand-ins (`x-kubernetes-preserve-unknown-fields`) for the kinds the constructs emit, so the
 * objects are stored and diffed but not validated against the upstream schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { StackConfig } from '../config.js';
import type { Manifest } from './manifests.js';

type OperatorKey = Exclude<keyof StackConfig['operators'], 'install'>;

/** constructs/crds/ */
export const CRDS_DIR = fileURLToPath(new URL('../../constructs/crds/', import.meta.url));

/** The folder of constructs/crds/ holding each operator's committed CRDs. */
export const COMMITTED_CRDS: Readonly<Partial<Record<OperatorKey, string>>> = {
  cloudnativePg: 'cloudnative-pg-v1.30.0',
  strimzi: 'strimzi-1.2.0',
  envoyGateway: 'envoy-gateway-v1.9.0',
};

interface StandIn {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly scope: 'Namespaced' | 'Cluster';
}

/** Kinds the constructs and the stack emit whose CRDs are not committed. */
export const STAND_IN_CRDS: Readonly<Partial<Record<OperatorKey, readonly StandIn[]>>> = {
  certManager: [
    { group: 'cert-manager.io', version: 'v1', kind: 'Certificate', plural: 'certificates', scope: 'Namespaced' },
    { group: 'cert-manager.io', version: 'v1', kind: 'Issuer', plural: 'issuers', scope: 'Namespaced' },
    { group: 'cert-manager.io', version: 'v1', kind: 'ClusterIssuer', plural: 'clusterissuers', scope: 'Cluster' },
  ],
  // Envoy Gateway's chart ships the Gateway API CRDs.
  envoyGateway: [
    { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'GatewayClass', plural: 'gatewayclasses', scope: 'Cluster' },
    { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'Gateway', plural: 'gateways', scope: 'Namespaced' },
    { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', scope: 'Namespaced' },
  ],
  kubePrometheusStack: [
    { group: 'monitoring.coreos.com', version: 'v1', kind: 'ServiceMonitor', plural: 'servicemonitors', scope: 'Namespaced' },
    { group: 'monitoring.coreos.com', version: 'v1', kind: 'PodMonitor', plural: 'podmonitors', scope: 'Namespaced' },
    { group: 'monitoring.coreos.com', version: 'v1', kind: 'PrometheusRule', plural: 'prometheusrules', scope: 'Namespaced' },
  ],
};

function standInCrd(s: StandIn): Manifest {
  const annotations: Record<string, string> = { 'debug-host.io/stand-in': 'schemaless; the operator chart installs the real CRD' };
  // The API server refuses CRDs of *.k8s.io groups without this (the upstream CRDs carry it).
  if (/(^|\.)(k8s|kubernetes)\.io$/.test(s.group)) annotations['api-approved.kubernetes.io'] = 'https://github.com/kubernetes-sigs/gateway-api/pull/1538';
  const metadata = { name: `${s.plural}.${s.group}`, annotations };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata,
    spec: {
      group: s.group,
      names: { kind: s.kind, listKind: `${s.kind}List`, plural: s.plural, singular: s.kind.toLowerCase() },
      scope: s.scope,
      versions: [{ name: s.version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/**
 * Drops empty `properties: {}` maps, which the API server does not store (Strimzi's Kafka CRD
 * has one): left in, every preview would show the CRD as changed.
 */
function dropEmptyProperties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropEmptyProperties);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'properties' && typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue;
    out[k] = dropEmptyProperties(v);
  }
  return out;
}

function committedCrds(folder: string): Manifest[] {
  const dir = path.join(CRDS_DIR, folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))
      .map((d) => dropEmptyProperties(d.toJSON()) as Manifest | null)
      .filter((m): m is Manifest => m !== null && m.kind === 'CustomResourceDefinition'),
  );
}

/** Every CRD one operator would install, from the repository. */
export function operatorCrds(key: OperatorKey): Manifest[] {
  const folder = COMMITTED_CRDS[key];
  return [...(folder === undefined ? [] : committedCrds(folder)), ...(STAND_IN_CRDS[key] ?? []).map(standInCrd)];
}
