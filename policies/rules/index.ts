/** Every rule, in the order reports list them. Add a rule here and it runs everywhere. */
import { containersHaveCpuLimits, containersHaveRequestsAndLimits } from './container-resources.js';
import { noLatestImageTag } from './container-images.js';
import { backupsScheduled, prodRedundancy } from './environment-rules.js';
import { containersRunAsNonRoot, noHostNamespaces, noHostPathVolumes, noPrivilegedContainers } from './pod-security.js';
import { s3BucketsEncryptedAndPrivate } from './s3-buckets.js';
import { databaseStorageEncrypted } from './storage-encryption.js';
import { noClusterGrantsToTenants } from './tenant-grants.js';
import { tenantNamespaceIsolation } from './tenant-isolation.js';
import type { ResourceRule, StackRule } from './types.js';

export const resourceRules: readonly ResourceRule[] = [
  noPrivilegedContainers,
  noHostNamespaces,
  noHostPathVolumes,
  containersRunAsNonRoot,
  noLatestImageTag,
  containersHaveRequestsAndLimits,
  containersHaveCpuLimits,
  noClusterGrantsToTenants,
];

export const stackRules: readonly StackRule[] = [
  tenantNamespaceIsolation,
  s3BucketsEncryptedAndPrivate,
  databaseStorageEncrypted,
  backupsScheduled,
  prodRedundancy,
];

export * from './types.js';
export {
  backupsScheduled,
  containersHaveCpuLimits,
  containersHaveRequestsAndLimits,
  containersRunAsNonRoot,
  databaseStorageEncrypted,
  noClusterGrantsToTenants,
  noHostNamespaces,
  noHostPathVolumes,
  noLatestImageTag,
  noPrivilegedContainers,
  prodRedundancy,
  s3BucketsEncryptedAndPrivate,
  tenantNamespaceIsolation,
};
