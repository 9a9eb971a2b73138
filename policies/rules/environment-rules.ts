/**
 * Rules whose requirement depends on the environment: backups in staging and prod, and
 * prod's minimum redundancy. Both mandatory where they apply; dev is exempt on purpose
 * (one replica, no backups) to stay cheap.
 */
import { asObject, describe, environmentOf, isKind, labelsOf, namespaceOf, nameOf, specOf, TENANT_LABEL } from './kubernetes.js';
import { CNPG_GROUP } from './storage-encryption.js';
import type { PolicyResource, StackContext, StackFinding, StackRule } from './types.js';

export const BACKUP_ENVIRONMENTS: readonly string[] = ['staging', 'prod'];
export const PROD_MIN_REPLICAS = 3;

function envOf(resources: readonly PolicyResource[], context: StackContext): string | undefined {
  return context.environment ?? environmentOf(resources);
}

export const backupsScheduled: StackRule = {
  name: 'backups-scheduled',
  description: 'In staging and prod, every CloudNativePG cluster (replica clusters excepted) has a backup target and a ScheduledBackup.',
  level: 'mandatory',
  check(resources, context) {
    const env = envOf(resources, context);
    if (env === undefined || !BACKUP_ENVIRONMENTS.includes(env)) return [];
    const findings: StackFinding[] = [];
    const schedules = resources.filter((r) => isKind(r, 'ScheduledBackup', CNPG_GROUP));
    for (const cluster of resources.filter((r) => isKind(r, 'Cluster', CNPG_GROUP))) {
      const spec = specOf(cluster);
      // A replica cluster (disaster recovery) follows the primary's backups; it has none of its own.
      if (asObject(spec['replica'])?.['enabled'] === true) continue;
      if (spec['backup'] === undefined) {
        findings.push({ resource: cluster, message: `${describe(cluster)}: has no spec.backup in ${env}; configure an object-store backup target.` });
      }
      const scheduled = schedules.some(
        (s) => namespaceOf(s) === namespaceOf(cluster) && asObject(specOf(s)['cluster'])?.['name'] === nameOf(cluster),
      );
      if (!scheduled) {
        findings.push({ resource: cluster, message: `${describe(cluster)}: has no ScheduledBackup in ${env}; add one whose spec.cluster.name is "${nameOf(cluster)}".` });
      }
    }
    return findings;
  },
};

/** The runtime's Deployments: part of debug-host, named debug-host, not a tenant's. */
function isRuntimeDeployment(r: PolicyResource): boolean {
  const labels = labelsOf(r);
  return isKind(r, 'Deployment', 'apps') && labels[TENANT_LABEL] === undefined && labels['app.kubernetes.io/name'] === 'debug-host';
}

/** Replicas guaranteed at all times: the HPA's minReplicas when one targets it, else spec.replicas. */
function guaranteedReplicas(deployment: PolicyResource, resources: readonly PolicyResource[]): number {
  const hpa = resources.find((r) => {
    const target = asObject(specOf(r)['scaleTargetRef']);
    return isKind(r, 'HorizontalPodAutoscaler', 'autoscaling') && namespaceOf(r) === namespaceOf(deployment) && target?.['kind'] === 'Deployment' && target['name'] === nameOf(deployment);
  });
  const value = hpa === undefined ? specOf(deployment)['replicas'] : (specOf(hpa)['minReplicas'] ?? 1);
  return typeof value === 'number' ? value : 1;
}

export const prodRedundancy: StackRule = {
  name: 'prod-redundancy',
  description: `Prod runs at least ${PROD_MIN_REPLICAS} runtime replicas and ${PROD_MIN_REPLICAS} Postgres instances.`,
  level: 'mandatory',
  check(resources, context) {
    if (envOf(resources, context) !== 'prod') return [];
    const findings: StackFinding[] = [];
    for (const d of resources.filter(isRuntimeDeployment)) {
      const n = guaranteedReplicas(d, resources);
      if (n < PROD_MIN_REPLICAS) {
        findings.push({ resource: d, message: `${describe(d)}: prod guarantees ${n} runtime replica(s); set replicas (or the HPA's minReplicas) to at least ${PROD_MIN_REPLICAS}.` });
      }
    }
    for (const c of resources.filter((r) => isKind(r, 'Cluster', CNPG_GROUP))) {
      const n = specOf(c)['instances'];
      const instances = typeof n === 'number' ? n : 1;
      if (instances < PROD_MIN_REPLICAS) {
        findings.push({ resource: c, message: `${describe(c)}: prod runs ${instances} Postgres instance(s); set spec.instances to at least ${PROD_MIN_REPLICAS}.` });
      }
    }
    return findings;
  },
};
