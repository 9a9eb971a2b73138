/**
 * What the stack changes in the constructs' objects before deploying them (the constructs'
 * escape hatch, applied to the manifests): the Postgres superuser the stack manages tenant roles
 * with, and the IRSA roles of the runtime and of the Postgres backups on EKS.
 */
import type * as pulumi from '@pulumi/pulumi';
import { POSTGRES_CLUSTER, RUNTIME_SERVICE_ACCOUNT, type Cloud } from '../cloud.js';
import { PLATFORM_NAMESPACE } from '../platform-manifests.js';
import type { Manifest } from './manifests.js';
import { POSTGRES_SUPERUSER_SECRET } from './platform-secrets.js';

/** CloudNativePG's superuser is always `postgres`. */
export const POSTGRES_SUPERUSER = 'postgres';
const ROLE_ARN = 'eks.amazonaws.com/role-arn';

export type ManifestPatch = (obj: Manifest) => void;

function annotate(obj: Manifest, annotations: Record<string, pulumi.Input<string>>): void {
  const meta = obj.metadata as { annotations?: Record<string, unknown> };
  meta.annotations = { ...meta.annotations, ...annotations };
}

export function platformPatches(roles: Cloud['roles']): ManifestPatch[] {
  return [
    (obj) => {
      if (obj.kind !== 'Cluster' || !obj.apiVersion.startsWith('postgresql.cnpg.io/') || obj.metadata.name !== POSTGRES_CLUSTER) return;
      const spec = obj['spec'] as Record<string, unknown>;
      // The stack creates tenant roles as the superuser whose password it holds.
      spec['enableSuperuserAccess'] = true;
      spec['superuserSecret'] = { name: POSTGRES_SUPERUSER_SECRET };
      if (roles !== undefined) spec['serviceAccountTemplate'] = { metadata: { annotations: { [ROLE_ARN]: roles.postgresBackup } } };
    },
    (obj) => {
      if (roles !== undefined && obj.kind === 'ServiceAccount' && obj.metadata.namespace === PLATFORM_NAMESPACE && obj.metadata.name === RUNTIME_SERVICE_ACCOUNT) {
        annotate(obj, { [ROLE_ARN]: roles.runtime });
      }
    },
  ];
}
