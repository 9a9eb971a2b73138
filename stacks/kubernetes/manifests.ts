/**
 * Deploys synthesized cdk8s objects with `yaml.ConfigGroup` (its children are ordinary
 * resources, so previews and policies see each object). Every custom resource is made to depend
 * on the release that installs its CRD; an object of an unknown API group is an error rather
 * than a deploy that fails halfway.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { FLOOR_FIELD } from '@debug-host/rules';
import { BUILT_IN_GROUPS } from './operators.js';

export type Manifest = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** `<namespace>/<Kind>/<name>`: one object's identity across syntheses. */
export function manifestKey(m: Manifest): string {
  return `${m.metadata.namespace ?? ''}/${m.apiVersion.split('/')[0]}/${m.kind}/${m.metadata.name}`;
}

export function apiGroupOf(m: { apiVersion: string }): string {
  return m.apiVersion.includes('/') ? (m.apiVersion.split('/')[0] ?? '') : '';
}

export interface ManifestGroupArgs {
  readonly objs: readonly Manifest[];
  readonly provider: k8s.Provider;
  /** API group -> resource installing its CRDs. */
  readonly crdOwners: ReadonlyMap<string, pulumi.Resource>;
  /** Extra dependencies of every object (namespaces, secrets). @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** Changes to objects before they are registered (escape hatch, e.g. IRSA annotations). @default [] */
  readonly patches?: readonly ((obj: Manifest) => void)[];
  /** Prefix of the logical names, to keep groups apart. @default - none */
  readonly resourcePrefix?: string;
}

/** Throws if an object needs a CRD that no operator installs. */
export function checkCrdOwners(objs: readonly Manifest[], crdOwners: ReadonlyMap<string, unknown>): void {
  const missing = [...new Set(objs.map(apiGroupOf).filter((g) => !BUILT_IN_GROUPS.has(g) && !crdOwners.has(g)))];
  if (missing.length > 0) {
    throw new Error(`No operator installs the CRDs of API group(s) ${missing.join(', ')}; add the operator to stacks/kubernetes/operators.ts (OPERATOR_CHARTS) or drop those objects.`);
  }
}

export function manifestGroup(name: string, args: ManifestGroupArgs, opts: pulumi.ComponentResourceOptions): k8s.yaml.ConfigGroup {
  checkCrdOwners(args.objs, args.crdOwners);
  const order = (obj: Manifest, o: pulumi.CustomResourceOptions) => {
    for (const patch of args.patches ?? []) patch(obj);
    const owner = args.crdOwners.get(apiGroupOf(obj));
    const deps = [...(args.dependsOn ?? []), ...(owner === undefined ? [] : [owner])];
    if (deps.length > 0) o.dependsOn = deps;
    // The runtime's leader owns the HPA floor (one writer per field): `pulumi up` leaves it.
    if (obj.kind === 'HorizontalPodAutoscaler') o.ignoreChanges = [...(o.ignoreChanges ?? []), FLOOR_FIELD];
  };
  return new k8s.yaml.ConfigGroup(name, {
    // Deep copies: patches must not leak into the caller's manifests.
    objs: args.objs.map((o) => structuredClone(o)),
    transformations: [order as (o: unknown, opts: pulumi.CustomResourceOptions) => void],
    ...(args.resourcePrefix === undefined ? {} : { resourcePrefix: args.resourcePrefix }),
  }, { ...opts, provider: args.provider });
}
