/**
 * A set of synthesized objects deployed in two phases: Namespaces first, then everything
 * else (each custom resource after the operator release that installs its CRD). `between`
 * creates what must exist after the namespaces but before the objects (e.g. Secrets).
 */
import type * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { manifestGroup, type Manifest } from './manifests.js';

export interface ManifestSetArgs {
  readonly objs: readonly Manifest[];
  readonly provider: k8s.Provider;
  readonly crdOwners: ReadonlyMap<string, pulumi.Resource>;
  /** Dependencies of every object, namespaces included. @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
  /** Changes to objects before they are registered (escape hatch). @default [] */
  readonly patches?: readonly ((obj: Manifest) => void)[];
  /** Creates resources between the two phases; the objects wait for them. @default - nothing */
  readonly between?: (namespaces: pulumi.Resource, parent: pulumi.Resource) => readonly pulumi.Resource[];
}

export class ManifestSet extends pulumi.ComponentResource {
  readonly namespaces: k8s.yaml.ConfigGroup;
  readonly objects: k8s.yaml.ConfigGroup;

  constructor(name: string, args: ManifestSetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('debug-host:kubernetes:ManifestSet', name, {}, opts);
    const isNamespace = (m: Manifest) => m.kind === 'Namespace' && m.apiVersion === 'v1';
    const common = { provider: args.provider, crdOwners: args.crdOwners, patches: args.patches ?? [] };
    this.namespaces = manifestGroup(`${name}-namespaces`, { ...common, objs: args.objs.filter(isNamespace), dependsOn: args.dependsOn ?? [] }, { parent: this });
    const middle = args.between?.(this.namespaces, this) ?? [];
    this.objects = manifestGroup(`${name}-objects`, {
      ...common,
      objs: args.objs.filter((m) => !isNamespace(m)),
      dependsOn: [...(args.dependsOn ?? []), this.namespaces, ...middle],
    }, { parent: this });
    this.registerOutputs({});
  }
}
