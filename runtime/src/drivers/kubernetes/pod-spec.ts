/**
 * The Pod and Service of one project run, built as plain objects so that tests can read
 * them without an API server. Secure by default, as Pod Security `restricted` requires:
 * non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, a
 * read-only root filesystem with writable emptyDirs, and no ServiceAccount token.
 */
import { posix, relative, sep } from 'node:path';
import type { V1Pod, V1Probe, V1Service } from '@kubernetes/client-node';
import type { LaunchSpec } from '../driver.js';

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  tenant: 'debug-host.io/tenant',
  project: 'debug-host.io/project',
  run: 'debug-host.io/run',
} as const;

/** Every object the driver creates carries it; the shared Pod watch selects on it. */
export const MANAGED_SELECTOR = `${LABELS.managedBy}=debug-host`;

/** The one container of a project Pod (the log API needs its name). */
export const CONTAINER = 'project';

/** Where the project's command runs; an emptyDir, as the image holds the project. */
export const WORKDIR = '/workspace';

export interface PodSettings {
  /** Namespace of a tenant's Pods, `{tenant}` replaced by the tenant id. */
  readonly namespacePattern: string;
  readonly serviceAccount: string;
  readonly image: string;
  readonly runAsUser: number;
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

export function namespaceFor(pattern: string, tenantId: string): string {
  return pattern.replace('{tenant}', tenantId);
}

/** `p-<project id>`: one Pod (and Service) per project, so that a leftover is found by name. */
export function podNameFor(projectId: string): string {
  return `p-${projectId.toLowerCase()}`;
}

export function labelsFor(spec: Pick<LaunchSpec, 'tenantId' | 'projectId' | 'runId'>): Record<string, string> {
  return {
    [LABELS.managedBy]: 'debug-host',
    'app.kubernetes.io/part-of': 'debug-host',
    'app.kubernetes.io/component': 'project',
    [LABELS.tenant]: spec.tenantId,
    [LABELS.project]: spec.projectId,
    [LABELS.run]: spec.runId,
  };
}

/** The workspace-relative cwd, re-rooted under WORKDIR. */
export function workingDirFor(workspace: string, cwd: string): string {
  const inside = relative(workspace, cwd).split(sep).filter(Boolean);
  return posix.join(WORKDIR, ...inside);
}

/** The kubelet probes what this replica cannot reach; the Pod's Ready condition reports it. */
function probeFor(spec: LaunchSpec): V1Probe | undefined {
  const check = spec.readiness;
  const timing = { periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 };
  if (check?.kind === 'port') return { tcpSocket: { port: spec.port }, ...timing };
  if (check?.kind === 'http') return { httpGet: { path: check.path, port: spec.port }, ...timing };
  return undefined; // `log` is matched on the streamed lines, `none` needs nothing
}

export function buildPod(spec: LaunchSpec, settings: PodSettings): V1Pod {
  const env = Object.entries(spec.env).map(([name, value]) => ({ name, value }));
  env.push(
    { name: 'PORT', value: String(spec.port) },
    { name: 'DEBUG_HOST_PROJECT_ID', value: spec.projectId },
    // The root filesystem is read-only; tools that write under $HOME get the emptyDir.
    { name: 'HOME', value: '/tmp' },
  );
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podNameFor(spec.projectId),
      namespace: namespaceFor(settings.namespacePattern, spec.tenantId),
      labels: labelsFor(spec),
    },
    spec: {
      serviceAccountName: settings.serviceAccount,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      // The supervisor restarts with backoff and records each crash, as for processes.
      restartPolicy: 'Never',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: settings.runAsUser,
        runAsGroup: settings.runAsUser,
        fsGroup: settings.runAsUser,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: CONTAINER,
          image: settings.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', spec.command],
          workingDir: workingDirFor(spec.workspace, spec.cwd),
          env: dedupeEnv(env),
          ports: [{ name: 'app', containerPort: spec.port, protocol: 'TCP' }],
          readinessProbe: probeFor(spec),
          resources: {
            requests: { cpu: settings.cpuRequest, memory: settings.memoryRequest },
            limits: { cpu: settings.cpuLimit, memory: settings.memoryLimit },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: settings.runAsUser,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [
            { name: 'tmp', mountPath: '/tmp' },
            { name: 'workspace', mountPath: WORKDIR },
          ],
        },
      ],
      volumes: [
        { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        { name: 'workspace', emptyDir: { sizeLimit: '1Gi' } },
      ],
    },
  };
}

/**
 * The project's port as a ClusterIP Service (ResourceQuota counts `services` as ports),
 * owned by the Pod so that the garbage collector removes it with the Pod as a backstop.
 */
export function buildService(spec: LaunchSpec, settings: PodSettings, pod: { readonly uid?: string }): V1Service {
  const name = podNameFor(spec.projectId);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: namespaceFor(settings.namespacePattern, spec.tenantId),
      labels: labelsFor(spec),
      ownerReferences: pod.uid ? [{ apiVersion: 'v1', kind: 'Pod', name, uid: pod.uid, blockOwnerDeletion: false }] : undefined,
    },
    spec: {
      type: 'ClusterIP',
      selector: { [LABELS.project]: spec.projectId },
      ports: [{ name: 'app', port: spec.port, targetPort: spec.port, protocol: 'TCP' }],
    },
  };
}

/** Later entries win, so PORT and the runtime's variables override the project's env. */
function dedupeEnv(env: Array<{ name: string; value: string }>): Array<{ name: string; value: string }> {
  return [...new Map(env.map((e) => [e.name, e])).values()];
}
