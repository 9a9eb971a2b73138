import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/src/config.js';
import { buildPod, buildService, namespaceFor, podNameFor, workingDirFor } from '../../runtime/src/drivers/kubernetes/pod-spec.js';
import type { LaunchSpec } from '../../runtime/src/drivers/driver.js';
import { podSettingsFrom } from '../../runtime/src/kube-parts.js';

const spec: LaunchSpec = {
  tenantId: 'acme',
  projectId: '0b6f3c1e-2d4a-4f4e-9c1a-1234567890ab',
  runId: 'run-1',
  command: 'npm run dev -- --port $PORT',
  workspace: '/home/dev/app',
  cwd: '/home/dev/app/packages/web',
  env: { NODE_ENV: 'development', PORT: '1' },
  port: 31005,
  readiness: { kind: 'port' },
};
const settings = podSettingsFrom(loadConfig({}, {}));

describe('kubernetes pod spec', () => {
  const pod = buildPod(spec, settings);
  const container = pod.spec?.containers[0];

  it('uses the defaults that match the Tenant construct and its LimitRange', () => {
    expect(settings).toEqual({
      namespacePattern: 'tenant-{tenant}',
      serviceAccount: 'tenant',
      image: 'docker.io/library/node:24-bookworm-slim',
      runAsUser: 1000,
      cpuRequest: '100m',
      cpuLimit: '500m',
      memoryRequest: '128Mi',
      memoryLimit: '512Mi',
    });
    expect(pod.metadata?.namespace).toBe('tenant-acme');
    expect(namespaceFor('dev-{tenant}-projects', 'acme')).toBe('dev-acme-projects');
    expect(pod.spec?.serviceAccountName).toBe('tenant');
  });

  it('is restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp, read-only root, no token', () => {
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(pod.spec?.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1000,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.volumeMounts?.map((m) => m.mountPath)).toEqual(['/tmp', '/workspace']);
    expect(pod.spec?.restartPolicy).toBe('Never');
  });

  it('labels tenant, project and run, and names the Pod after the project', () => {
    expect(pod.metadata?.name).toBe(`p-${spec.projectId}`);
    expect(podNameFor('ABC')).toBe('p-abc');
    expect(pod.metadata?.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'debug-host',
      'debug-host.io/tenant': 'acme',
      'debug-host.io/project': spec.projectId,
      'debug-host.io/run': 'run-1',
    });
  });

  it('runs the command through sh -c with PORT and the project env (PORT wins), in the cwd under /workspace', () => {
    expect(container?.command).toEqual(['/bin/sh', '-c', spec.command]);
    expect(container?.workingDir).toBe('/workspace/packages/web');
    expect(workingDirFor('/w', '/w')).toBe('/workspace');
    expect(container?.env).toEqual([
      { name: 'NODE_ENV', value: 'development' },
      { name: 'PORT', value: '31005' },
      { name: 'DEBUG_HOST_PROJECT_ID', value: spec.projectId },
      { name: 'HOME', value: '/tmp' },
    ]);
  });

  it('requests and limits cpu and memory, so that ResourceQuota admission accepts the Pod', () => {
    expect(container?.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    const custom = buildPod(spec, { ...settings, cpuLimit: '2', memoryLimit: '1Gi' });
    expect(custom.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '2', memory: '1Gi' });
  });

  it('hands readiness to the kubelet: tcp for port, httpGet for http, none for log and none', () => {
    expect(container?.readinessProbe?.tcpSocket?.port).toBe(31005);
    expect(buildPod({ ...spec, readiness: { kind: 'http', path: '/health' } }, settings).spec?.containers[0]?.readinessProbe?.httpGet).toEqual({ path: '/health', port: 31005 });
    expect(buildPod({ ...spec, readiness: { kind: 'log', pattern: 'ready' } }, settings).spec?.containers[0]?.readinessProbe).toBeUndefined();
  });

  it('publishes the port as a ClusterIP Service owned by the Pod', () => {
    const service = buildService(spec, settings, { uid: 'pod-uid' });
    expect(service.metadata?.name).toBe(`p-${spec.projectId}`);
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: { 'debug-host.io/project': spec.projectId },
      ports: [{ name: 'app', port: 31005, targetPort: 31005, protocol: 'TCP' }],
    });
    expect(service.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Pod', uid: 'pod-uid' });
  });
});

describe('kubernetes configuration', () => {
  it('defaults to the process driver and automatic discovery', () => {
    const config = loadConfig({}, {});
    expect(config.driver).toBe('process');
    expect(config.clusterDiscovery).toBe('auto');
    expect([config.kubeRuntimeNamespace, config.kubePeerService, config.kubeLeaseName, config.kubeLeaseDurationSec]).toEqual(['debug-host', 'debug-host-peers', 'debug-host-leader', 15]);
  });

  it.each([
    [{ DEBUG_HOST_DRIVER: 'docker' }, /DEBUG_HOST_DRIVER.*'process' or 'kubernetes'/],
    [{ DEBUG_HOST_KUBE_NAMESPACE_PATTERN: 'tenants' }, /DEBUG_HOST_KUBE_NAMESPACE_PATTERN must contain '\{tenant\}'/],
    [{ DEBUG_HOST_KUBE_CPU_LIMIT: 'lots' }, /DEBUG_HOST_KUBE_CPU_LIMIT must be a Kubernetes quantity such as 500m/],
    [{ DEBUG_HOST_KUBE_RUN_AS_USER: '0' }, /non-root uid/],
  ])('refuses %o naming the variable and the rule', (env, message) => {
    expect(() => loadConfig({}, env)).toThrow(message);
  });
});
