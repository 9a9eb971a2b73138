/**
 * The leader's one write to Kubernetes: `spec.minReplicas` (and its annotations) of the
 * runtime's own HPA, as a JSON merge patch conditioned on the resourceVersion it read
 * (autoscaler/actuation.ts plans it). The RBAC contract grants exactly get and patch on that
 * one HPA by name (constructs/runtime-rbac.ts). Loaded only in Kubernetes mode.
 */
import { AutoscalingV2Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { hpaViewOf, type HpaMergePatch, type HpaObject, type HpaView } from '../autoscaler/actuation.js';
import { HPA_PATCH_CONTENT_TYPE } from '../autoscaler/names.js';

/** Reads and patches the floor; the scaling leader's only view of the HPA. */
export interface HpaFloor {
  read(): Promise<HpaView>;
  /** Throws on a conflict (409: someone wrote since the read); the next period reads again. */
  patch(patch: HpaMergePatch): Promise<HpaView>;
}

export interface KubeHpaFloorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
}

export class KubeHpaFloor implements HpaFloor {
  private readonly api: AutoscalingV2Api;

  constructor(private readonly options: KubeHpaFloorOptions) {
    this.api = options.kubeConfig.makeApiClient(AutoscalingV2Api);
  }

  async read(): Promise<HpaView> {
    const { namespace, name } = this.options;
    return hpaViewOf((await this.api.readNamespacedHorizontalPodAutoscaler({ namespace, name })) as HpaObject);
  }

  async patch(patch: HpaMergePatch): Promise<HpaView> {
    const { namespace, name } = this.options;
    // PatchStrategy.MergePatch is the content type planFloorPatch's patch is written for.
    const strategy: string = PatchStrategy.MergePatch;
    if (strategy !== HPA_PATCH_CONTENT_TYPE) throw new Error(`client-node's merge patch type is ${strategy}, not ${HPA_PATCH_CONTENT_TYPE}`);
    const updated = await this.api.patchNamespacedHorizontalPodAutoscaler(
      { namespace, name, body: patch, fieldManager: 'debug-host-autoscaler' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return hpaViewOf(updated as HpaObject);
  }
}
