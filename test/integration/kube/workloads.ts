/** What the controllers made of applied workloads, for the tests that apply manifests. */
import { type Kube, type KubeObject, describe, waitFor } from './client.js';

export const WORKLOADS = ['Deployment', 'StatefulSet', 'Job'];

interface WorkloadStatus {
  readonly status?: { replicas?: number; active?: number; succeeded?: number; failed?: number };
}

/**
 * Waits until each workload among `objects` has a Pod (or a finished one), or a controller
 * reported FailedCreate (Pod Security, quota); returns those failures, empty when all made Pods.
 */
export async function podsCreated(kube: Kube, objects: readonly KubeObject[], timeoutMs = 90_000): Promise<string[]> {
  const workloads = objects.filter((o) => WORKLOADS.includes(o.kind));
  const failed: string[] = [];
  await waitFor(`pods of ${workloads.map(describe).join(', ')}`, timeoutMs, async () => {
    failed.length = 0;
    for (const ns of new Set(workloads.map((w) => w.metadata.namespace ?? ''))) {
      const ev = await kube.request('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=reason%3DFailedCreate`);
      for (const e of (ev.body as { items?: Array<{ involvedObject: { kind: string; name: string }; message: string }> }).items ?? []) {
        failed.push(`${e.involvedObject.kind} ${ns}/${e.involvedObject.name}: ${e.message}`);
      }
    }
    if (failed.length > 0) return true;
    for (const w of workloads) {
      const s = ((await kube.get(w)).body as WorkloadStatus).status ?? {};
      if ((s.replicas ?? 0) + (s.active ?? 0) + (s.succeeded ?? 0) + (s.failed ?? 0) < 1) return false;
    }
    return true;
  });
  return failed;
}
