/**
 * Pod security baseline for every workload the platform deploys (runtime, operators' CRs
 * rendered as pods, tenant projects): the Pod Security `restricted` profile's essentials.
 * All mandatory: one privileged or host-level container breaks tenant isolation for all.
 */
import { asArray, asObject, containersOf, describe, podSpecOf } from './kubernetes.js';
import type { PolicyResource, ResourceRule } from './types.js';

export const noPrivilegedContainers: ResourceRule = {
  name: 'no-privileged-containers',
  description: 'Containers must not run privileged or allow privilege escalation.',
  level: 'mandatory',
  check(r: PolicyResource) {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return containersOf(pod).flatMap(({ name, container }) => {
      const sc = asObject(container['securityContext']) ?? {};
      const out: string[] = [];
      if (sc['privileged'] === true) {
        out.push(`${describe(r)}: container "${name}" is privileged; remove securityContext.privileged.`);
      }
      if (sc['allowPrivilegeEscalation'] === true) {
        out.push(`${describe(r)}: container "${name}" allows privilege escalation; set securityContext.allowPrivilegeEscalation to false.`);
      }
      return out;
    });
  },
};

export const noHostNamespaces: ResourceRule = {
  name: 'no-host-namespaces',
  description: 'Pods must not share the node network, PID or IPC namespace.',
  level: 'mandatory',
  check(r) {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return (['hostNetwork', 'hostPID', 'hostIPC'] as const)
      .filter((field) => pod[field] === true)
      .map((field) => `${describe(r)}: spec.${field} is true; remove it so the pod stays in its own namespace.`);
  },
};

export const noHostPathVolumes: ResourceRule = {
  name: 'no-host-path-volumes',
  description: 'Pods must not mount directories of the node (hostPath volumes).',
  level: 'mandatory',
  check(r) {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return asArray(pod['volumes']).flatMap((v) => {
      const volume = asObject(v);
      if (volume?.['hostPath'] === undefined) return [];
      return [`${describe(r)}: volume "${String(volume['name'])}" is a hostPath; use an emptyDir, a ConfigMap or a PersistentVolumeClaim.`];
    });
  },
};

/** A container runs as non-root if it, or its pod, sets runAsNonRoot or a non-zero runAsUser. */
export const containersRunAsNonRoot: ResourceRule = {
  name: 'containers-run-as-non-root',
  description: 'Containers must run as a non-root user (runAsNonRoot: true, runAsUser not 0).',
  level: 'mandatory',
  check(r) {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    const podSc = asObject(pod['securityContext']) ?? {};
    return containersOf(pod).flatMap(({ name, container }) => {
      const sc = asObject(container['securityContext']) ?? {};
      const runAsUser = sc['runAsUser'] ?? podSc['runAsUser'];
      const runAsNonRoot = sc['runAsNonRoot'] ?? podSc['runAsNonRoot'];
      if (runAsUser === 0) {
        return [`${describe(r)}: container "${name}" runs as root (runAsUser 0); set runAsUser to a non-zero uid.`];
      }
      const nonRootUser = typeof runAsUser === 'number' && runAsUser > 0;
      if (runAsNonRoot !== true && !nonRootUser) {
        return [`${describe(r)}: container "${name}" may run as root; set securityContext.runAsNonRoot to true.`];
      }
      return [];
    });
  },
};
