/**
 * Database storage is encrypted at rest: RDS through `storageEncrypted`, CloudNativePG through
 * the StorageClass its volumes come from (declared in the same stack with
 * `parameters.encrypted: "true"`, so the claim can be checked). Mandatory.
 */
import { asObject, describe, isKind, nameOf, specOf } from './kubernetes.js';
import type { PolicyResource, StackFinding, StackRule } from './types.js';

const RDS_TYPES = ['aws:rds/instance:Instance', 'aws:rds/cluster:Cluster'];
export const CNPG_GROUP = 'postgresql.cnpg.io';

function storageClassProblem(classes: readonly PolicyResource[], storageClass: unknown, field: string): string | undefined {
  if (typeof storageClass !== 'string') {
    return `${field}.storageClass is not set, so the cluster default (of unknown encryption) is used; set it to an encrypted StorageClass.`;
  }
  const declared = classes.find((c) => nameOf(c) === storageClass);
  if (declared === undefined) {
    return `StorageClass "${storageClass}" (${field}) is not declared in this stack, so its encryption cannot be checked; declare it with parameters.encrypted "true".`;
  }
  if (asObject(declared.props['parameters'])?.['encrypted'] !== 'true') {
    return `StorageClass "${storageClass}" (${field}) is not encrypted; set parameters.encrypted to "true".`;
  }
  return undefined;
}

export const databaseStorageEncrypted: StackRule = {
  name: 'database-storage-encrypted',
  description: 'RDS instances and clusters set storageEncrypted; CloudNativePG clusters use a StorageClass of this stack with parameters.encrypted "true".',
  level: 'mandatory',
  check(resources) {
    const findings: StackFinding[] = [];
    for (const r of resources.filter((x) => RDS_TYPES.includes(x.type))) {
      if (r.props['storageEncrypted'] !== true) {
        findings.push({ resource: r, message: `RDS ${r.type.endsWith('Instance') ? 'instance' : 'cluster'} "${r.name}": storage is not encrypted; set storageEncrypted to true.` });
      }
    }
    const classes = resources.filter((r) => isKind(r, 'StorageClass', 'storage.k8s.io'));
    for (const cluster of resources.filter((r) => isKind(r, 'Cluster', CNPG_GROUP))) {
      const spec = specOf(cluster);
      const volumes: [string, unknown][] = [['spec.storage', spec['storage']]];
      if (spec['walStorage'] !== undefined) volumes.push(['spec.walStorage', spec['walStorage']]);
      for (const [field, storage] of volumes) {
        const problem = storageClassProblem(classes, asObject(storage)?.['storageClass'], field);
        if (problem !== undefined) findings.push({ resource: cluster, message: `${describe(cluster)}: ${problem}` });
      }
    }
    return findings;
  },
};
