/**
 * The operators the constructs need, as Helm releases (each installs its CRDs), and the map
 * from API group to the release that defines it, so every custom resource can wait for its CRD.
 * With `install: 'crds'` only the CRDs are applied, from the repository (operator-crds.ts).
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from '../config.js';
import { operatorCrds } from './operator-crds.js';

export interface OperatorsArgs {
  readonly versions: StackConfig['operators'];
  /** `helm`: the charts; `crds`: only the CRDs from constructs/crds (no operator, no network). @default 'helm' */
  readonly install?: 'helm' | 'crds';
  readonly provider: k8s.Provider;
  /** Extra chart values per operator, merged over the defaults (top-level keys). @default {} */
  readonly values?: Partial<Record<OperatorChart['key'], Readonly<Record<string, unknown>>>>;
  /** What the operators must wait for (nodes, CNI). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** One operator chart and the API groups whose CRDs it installs. */
export interface OperatorChart {
  readonly key: Exclude<keyof StackConfig['operators'], 'install'>;
  readonly release: string;
  readonly namespace: string;
  readonly chart: string;
  /** @default - an OCI chart (`chart` is the oci:// URL) */
  readonly repo?: string;
  readonly apiGroups: readonly string[];
  readonly values: Readonly<Record<string, unknown>>;
}

export const OPERATOR_CHARTS: readonly OperatorChart[] = [
  { key: 'certManager', release: 'cert-manager', namespace: 'cert-manager', chart: 'cert-manager', repo: 'https://charts.jetstack.io', apiGroups: ['cert-manager.io', 'acme.cert-manager.io'], values: { crds: { enabled: true } } },
  { key: 'cloudnativePg', release: 'cnpg', namespace: 'cnpg-system', chart: 'cloudnative-pg', repo: 'https://cloudnative-pg.github.io/charts', apiGroups: ['postgresql.cnpg.io'], values: {} },
  { key: 'strimzi', release: 'strimzi', namespace: 'strimzi', chart: 'oci://quay.io/strimzi-helm/strimzi-kafka-operator', apiGroups: ['kafka.strimzi.io', 'core.strimzi.io'], values: { watchAnyNamespace: true } },
  // Envoy Gateway ships the Gateway API CRDs with its own.
  { key: 'envoyGateway', release: 'envoy-gateway', namespace: 'envoy-gateway-system', chart: 'oci://docker.io/envoyproxy/gateway-helm', apiGroups: ['gateway.networking.k8s.io', 'gateway.envoyproxy.io'], values: {} },
  { key: 'kubePrometheusStack', release: 'kube-prometheus-stack', namespace: 'monitoring', chart: 'kube-prometheus-stack', repo: 'https://prometheus-community.github.io/helm-charts', apiGroups: ['monitoring.coreos.com'], values: { grafana: { sidecar: { dashboards: { enabled: true, searchNamespace: 'ALL' } } } } },
];

/** API groups served by Kubernetes itself: no CRD to wait for. */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io',
  'coordination.k8s.io', 'discovery.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'apiextensions.k8s.io',
  'admissionregistration.k8s.io', 'certificates.k8s.io', 'events.k8s.io', 'flowcontrol.apiserver.k8s.io',
]);

export class Operators extends pulumi.ComponentResource {
  /** By release name (`cert-manager`, `cnpg`, `strimzi`, `envoy-gateway`, `kube-prometheus-stack`); empty with `install: 'crds'`. */
  readonly releases: Readonly<Record<string, k8s.helm.v3.Release>>;
  /** API group -> the release that installs its CRDs. */
  readonly crdOwners: ReadonlyMap<string, pulumi.Resource>;

  constructor(name: string, args: OperatorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:kubernetes:Operators', name, {}, opts);
    const releases: Record<string, k8s.helm.v3.Release> = {};
    const owners = new Map<string, pulumi.Resource>();
    for (const op of OPERATOR_CHARTS) {
      if (args.install === 'crds') {
        const crds = new k8s.yaml.ConfigGroup(`${name}-${op.release}-crds`, { objs: operatorCrds(op.key) }, { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] });
        for (const group of op.apiGroups) owners.set(group, crds);
        continue;
      }
      const release = new k8s.helm.v3.Release(`${name}-${op.release}`, {
        name: op.release,
        chart: op.chart,
        version: args.versions[op.key],
        ...(op.repo === undefined ? {} : { repositoryOpts: { repo: op.repo } }),
        namespace: op.namespace,
        createNamespace: true,
        skipCrds: false,
        values: { ...op.values, ...(args.values?.[op.key] ?? {}) },
      }, { parent: this, provider: args.provider, dependsOn: [...(args.dependsOn ?? [])] });
      releases[op.release] = release;
      for (const group of op.apiGroups) owners.set(group, release);
    }
    this.releases = releases;
    this.crdOwners = owners;
    this.registerOutputs({});
  }
}
