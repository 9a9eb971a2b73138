import { describe, expect, it } from 'vitest';
import { containersHaveCpuLimits, containersHaveRequestsAndLimits } from '../../policies/rules/container-resources.js';
import { imageTag, noLatestImageTag } from '../../policies/rules/container-images.js';
import { containersRunAsNonRoot, noHostNamespaces, noHostPathVolumes, noPrivilegedContainers } from '../../policies/rules/pod-security.js';
import { noClusterGrantsToTenants } from '../../policies/rules/tenant-grants.js';
import { container, deployment, k8sResource } from './fixtures.js';

describe('pod security rules', () => {
  it('no-privileged-containers fires on privileged and on privilege escalation, quiet otherwise', () => {
    const bad = deployment({ containers: [container({ securityContext: { runAsNonRoot: true, privileged: true, allowPrivilegeEscalation: true } })] });
    expect(noPrivilegedContainers.check(bad)).toEqual([
      'Deployment tenant-acme/web: container "app" is privileged; remove securityContext.privileged.',
      'Deployment tenant-acme/web: container "app" allows privilege escalation; set securityContext.allowPrivilegeEscalation to false.',
    ]);
    expect(noPrivilegedContainers.check(deployment())).toEqual([]);
    expect(noPrivilegedContainers.level).toBe('mandatory');
  });

  it('no-host-namespaces fires on hostNetwork, hostPID and hostIPC', () => {
    expect(noHostNamespaces.check(deployment({ hostNetwork: true, hostPID: true }))).toEqual([
      'Deployment tenant-acme/web: spec.hostNetwork is true; remove it so the pod stays in its own namespace.',
      'Deployment tenant-acme/web: spec.hostPID is true; remove it so the pod stays in its own namespace.',
    ]);
    expect(noHostNamespaces.check(deployment({ hostNetwork: false }))).toEqual([]);
  });

  it('no-host-path-volumes fires on a hostPath volume and not on an emptyDir', () => {
    expect(noHostPathVolumes.check(deployment({ volumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }))).toEqual([
      'Deployment tenant-acme/web: volume "docker" is a hostPath; use an emptyDir, a ConfigMap or a PersistentVolumeClaim.',
    ]);
    expect(noHostPathVolumes.check(deployment({ volumes: [{ name: 'tmp', emptyDir: {} }] }))).toEqual([]);
  });

  it('containers-run-as-non-root fires on uid 0 and on a missing runAsNonRoot; the pod-level setting counts', () => {
    const root = deployment({ containers: [container({ securityContext: { runAsUser: 0 } })] });
    expect(containersRunAsNonRoot.check(root)).toEqual(['Deployment tenant-acme/web: container "app" runs as root (runAsUser 0); set runAsUser to a non-zero uid.']);
    const unknown = deployment({ containers: [container({ securityContext: {} })] });
    expect(containersRunAsNonRoot.check(unknown)).toEqual(['Deployment tenant-acme/web: container "app" may run as root; set securityContext.runAsNonRoot to true.']);
    const podLevel = deployment({ securityContext: { runAsNonRoot: true }, containers: [container({ securityContext: {} })] });
    expect(containersRunAsNonRoot.check(podLevel)).toEqual([]);
    expect(containersRunAsNonRoot.check(deployment({ containers: [container({ securityContext: { runAsUser: 1000 } })] }))).toEqual([]);
  });

  it('reads pod templates of every workload kind, init containers included', () => {
    const cron = k8sResource({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'debug-host' },
      spec: { jobTemplate: { spec: { template: { spec: { initContainers: [container({ name: 'init', securityContext: { privileged: true, runAsNonRoot: true } })], containers: [container()] } } } } },
    });
    expect(noPrivilegedContainers.check(cron)).toEqual(['CronJob debug-host/nightly: container "init" is privileged; remove securityContext.privileged.']);
    const service = k8sResource({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'x' }, spec: {} });
    expect(noPrivilegedContainers.check(service)).toEqual([]);
  });
});

describe('no-latest-image-tag', () => {
  it('fires on :latest and on untagged images, with the registry port not mistaken for a tag', () => {
    const bad = deployment({ containers: [container({ image: 'nginx:latest' }), container({ name: 'sidecar', image: 'registry.local:5000/tools' })] });
    expect(noLatestImageTag.check(bad)).toEqual([
      'Deployment tenant-acme/web: container "app" uses image "nginx:latest" without a pinned tag; pin a version tag or digest instead of latest.',
      'Deployment tenant-acme/web: container "sidecar" uses image "registry.local:5000/tools" without a pinned tag; pin a version tag or digest instead of latest.',
    ]);
  });

  it('is quiet on version tags and digests', () => {
    expect(noLatestImageTag.check(deployment())).toEqual([]);
    expect(imageTag(`ghcr.io/x/y@sha256:${'a'.repeat(64)}`)).toBe('@digest');
    expect(imageTag('registry.local:5000/tools:1.2')).toBe('1.2');
  });
});

describe('container resources', () => {
  it('containers-have-requests-and-limits names every missing field (mandatory)', () => {
    const bad = deployment({ containers: [container({ resources: { limits: { cpu: '1' } } })] });
    expect(containersHaveRequestsAndLimits.check(bad)).toEqual([
      'Deployment tenant-acme/web: container "app" has no resources.requests.cpu, resources.requests.memory, resources.limits.memory; set them in the container spec.',
    ]);
    expect(containersHaveRequestsAndLimits.check(deployment())).toEqual([]);
    expect(containersHaveRequestsAndLimits.level).toBe('mandatory');
  });

  it('containers-have-cpu-limits is advisory', () => {
    const noCpuLimit = deployment({ containers: [container({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '1Gi' } } })] });
    expect(containersHaveCpuLimits.check(noCpuLimit)).toEqual(['Deployment tenant-acme/web: container "app" has no resources.limits.cpu; set it in the container spec.']);
    expect(containersHaveCpuLimits.check(deployment())).toEqual([]);
    expect(containersHaveCpuLimits.level).toBe('advisory');
  });
});

describe('no-cluster-grants-to-tenants', () => {
  const crb = (subjects: unknown[], labels: Record<string, string> = {}) =>
    k8sResource({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'grant', labels }, roleRef: { kind: 'ClusterRole', name: 'view' }, subjects });

  it('fires on a tenant ServiceAccount subject and on a tenant-labelled binding', () => {
    expect(noClusterGrantsToTenants.check(crb([{ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenant-acme' }]))).toEqual([
      'ClusterRoleBinding grant: grants a cluster role to ServiceAccount tenant-acme/tenant of a tenant namespace; use a RoleBinding in that namespace instead.',
    ]);
    expect(noClusterGrantsToTenants.check(crb([], { 'debug-host.io/tenant': 'acme' }))).toEqual([
      'ClusterRoleBinding grant: is a cluster-scoped grant for tenant "acme"; use a RoleBinding in the tenant namespace instead.',
    ]);
  });

  it('fires on tenant ServiceAccounts named as a group or a user', () => {
    expect(noClusterGrantsToTenants.check(crb([{ kind: 'Group', name: 'system:serviceaccounts:tenant-acme' }, { kind: 'User', name: 'system:serviceaccount:tenant-acme:tenant' }]))).toEqual([
      'ClusterRoleBinding grant: grants a cluster role to Group "system:serviceaccounts:tenant-acme" (ServiceAccounts of a tenant namespace); use a RoleBinding in that namespace instead.',
      'ClusterRoleBinding grant: grants a cluster role to User "system:serviceaccount:tenant-acme:tenant" (ServiceAccounts of a tenant namespace); use a RoleBinding in that namespace instead.',
    ]);
    expect(noClusterGrantsToTenants.check(crb([{ kind: 'Group', name: 'system:serviceaccounts:debug-host' }]))).toEqual([]);
  });

  it('is quiet on platform subjects and on namespaced RoleBindings', () => {
    expect(noClusterGrantsToTenants.check(crb([{ kind: 'ServiceAccount', name: 'debug-host', namespace: 'debug-host' }]))).toEqual([]);
    const rb = k8sResource({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'tenant', namespace: 'tenant-acme' }, subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: 'tenant-acme' }] });
    expect(noClusterGrantsToTenants.check(rb)).toEqual([]);
  });
});
