/**
 * The operator CRDs the constructs' custom resources need, for a bare API server: the ones
 * committed in constructs/crds/ (CloudNativePG, Strimzi, Envoy Gateway) as published, and
 * schemaless stand-ins (`x-kubernetes-preserve-unknown-fields`) for the groups with no
 * committed CRD (Gateway API, cert-manager, Prometheus operator). The stand-ins make the
 * server accept the kind, scope and metadata; those objects' specs are schema-checked by
 * `npm run synth` (@kubernetes-models), not here.
 *
 * CRDs that already exist (another test or a `local` Pulumi stack installed them) are left
 * as they are and not deleted afterwards; only the ones installed here are removed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { type Kube, type KubeObject, reason, waitFor } from './client.js';

const CRDS_DIR = fileURLToPath(new URL('../../../constructs/crds/', import.meta.url));
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } as const;

interface StandIn {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
}

const STAND_INS: readonly StandIn[] = [
  { group: 'gateway.networking.k8s.io', kind: 'Gateway', plural: 'gateways' },
  { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', plural: 'httproutes' },
  { group: 'cert-manager.io', kind: 'Certificate', plural: 'certificates' },
  { group: 'monitoring.coreos.com', kind: 'ServiceMonitor', plural: 'servicemonitors' },
  { group: 'monitoring.coreos.com', kind: 'PodMonitor', plural: 'podmonitors' },
  { group: 'monitoring.coreos.com', kind: 'PrometheusRule', plural: 'prometheusrules' },
];

function standIn(s: StandIn): KubeObject {
  return {
    ...CRD,
    metadata: {
      name: `${s.plural}.${s.group}`,
      annotations: {
        'debug-host.io/stand-in': 'schemaless, for tests on a bare API server',
        // *.k8s.io groups are protected; the real Gateway API CRDs carry this approval.
        ...(s.group.endsWith('.k8s.io') ? { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1538' } : {}),
      },
    },
    spec: {
      group: s.group,
      names: { kind: s.kind, listKind: `${s.kind}List`, plural: s.plural, singular: s.kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

/** Every CRD under constructs/crds/<operator>/. */
export function committedCrds(): KubeObject[] {
  return readdirSync(CRDS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(CRDS_DIR, d.name))
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .flatMap((f) => parseAllDocuments(readFileSync(join(CRDS_DIR, d.name, f), 'utf8')).map((doc) => doc.toJSON() as KubeObject | null)),
    )
    .filter((o): o is KubeObject => o !== null && o.kind === 'CustomResourceDefinition');
}

export interface InstalledCrds {
  /** Applied by this call (and removed by `remove`). */
  readonly installed: readonly string[];
  /** Already there; left alone. */
  readonly existing: readonly string[];
}

function established(body: unknown): boolean {
  const conditions = (body as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Established' && c.status === 'True');
}

/** Installs the missing CRDs and waits until every one is Established. */
export async function installCrds(kube: Kube, fieldManager: string): Promise<InstalledCrds> {
  const all = [...committedCrds(), ...STAND_INS.map(standIn)];
  const installed: string[] = [];
  const existing: string[] = [];
  for (const crd of all) {
    if ((await kube.get(crd)).status === 200) {
      existing.push(crd.metadata.name);
      continue;
    }
    const r = await kube.apply(crd, fieldManager);
    if (r.status !== 200 && r.status !== 201) {
      await removeCrds(kube, installed); // leave the server as it was
      throw new Error(`CRD ${crd.metadata.name} was rejected: ${reason(r)}`);
    }
    installed.push(crd.metadata.name);
  }
  await waitFor('the CRDs to be established', 60_000, async () => {
    for (const crd of all) if (!established((await kube.get(crd)).body)) return false;
    return true;
  });
  kube.forget(); // discovery of the new groups
  return { installed, existing };
}

/** Deletes the CRDs `installCrds` installed (with their custom resources) and waits until they are gone. */
export async function removeCrds(kube: Kube, names: readonly string[]): Promise<void> {
  for (const name of names) await kube.remove({ ...CRD, metadata: { name } });
  await waitFor('the CRDs to be deleted', 60_000, async () => {
    for (const name of names) if ((await kube.get({ ...CRD, metadata: { name } })).status !== 404) return false;
    return true;
  });
  kube.forget();
}
