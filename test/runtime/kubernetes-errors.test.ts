import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { membersOf } from '../../runtime/src/cluster/endpoint-slice-source.js';
import { DebugHostError } from '../../runtime/src/domain/errors.js';
import { toUserError } from '../../runtime/src/drivers/kubernetes/api-errors.js';
import { KubernetesDriver, loadKubeConfig } from '../../runtime/src/drivers/kubernetes/kubernetes-driver.js';
import { podSettingsFrom } from '../../runtime/src/kube-parts.js';
import { loadConfig } from '../../runtime/src/config.js';

const ctx = { tenantId: 'acme', namespace: 'tenant-acme', action: 'create Pod p-1', server: 'https://127.0.0.1:1' };
const status = (code: number, message: string) => new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code, message }), {});

describe('kubernetes API errors as user errors', () => {
  it('maps an admission quota refusal to the same quota_exceeded error as the store, naming the quota', () => {
    const error = toUserError(status(403, 'pods "p-1" is forbidden: exceeded quota: tenant-quota, requested: pods=1, used: pods=1, limited: pods=1'), ctx);
    expect(error.code).toBe('quota_exceeded');
    expect(error.message).toBe("Tenant 'acme' is at its Kubernetes ResourceQuota 'tenant-quota' in namespace 'tenant-acme': requested pods=1, used pods=1, limited pods=1.");
    expect(error.facts).toMatchObject({ quota: 'tenant-quota', namespace: 'tenant-acme', limit: 'pods=1' });
    expect(error.fix).toMatch(/host\.stop/);
  });

  it('keeps every resource of a multi-resource quota message', () => {
    const error = toUserError(status(403, 'pods "p" is forbidden: exceeded quota: q, requested: limits.cpu=500m,pods=1, used: limits.cpu=1,pods=2, limited: limits.cpu=1,pods=2'), ctx);
    expect(error.message).toMatch(/requested limits\.cpu=500m,pods=1, used limits\.cpu=1,pods=2, limited limits\.cpu=1,pods=2/);
  });

  it('says which right is missing, and what to grant, on an RBAC refusal', () => {
    const error = toUserError(status(403, 'pods is forbidden: User "system:serviceaccount:debug-host:debug-host" cannot create resource "pods"'), ctx);
    expect(error.code).toBe('unavailable');
    expect(error.fix).toMatch(/debug-host-runtime Role/);
  });

  it('tells a Pod Security refusal from a missing right', () => {
    const error = toUserError(status(403, 'pods "p" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true'), ctx);
    expect(error.message).toMatch(/Pod Security level of namespace 'tenant-acme' refused/);
    expect(error.fix).not.toMatch(/Role/);
  });

  it('names the missing tenant namespace', () => {
    expect(toUserError(status(404, 'namespaces "tenant-acme" not found'), ctx).message).toMatch(/no namespace 'tenant-acme'/);
  });

  it('answers unavailable, naming the API server and the fix, when it cannot be reached', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const driver = new KubernetesDriver({ kubeConfig, settings: podSettingsFrom(loadConfig({}, {})), logger: pino({ level: 'silent' }) });
    const launch = driver.launch({ tenantId: 'acme', projectId: 'p1', runId: 'r1', command: 'true', workspace: '/w', cwd: '/w', env: {}, port: 31000 }, () => undefined);
    const error = await launch.then(() => undefined, (e: unknown) => e);
    await driver.close();
    expect(error).toBeInstanceOf(DebugHostError);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect((error as Error).message).toMatch(/API server https:\/\/127\.0\.0\.1:1 could not be reached/);
    expect((error as DebugHostError).fix).toMatch(/KUBECONFIG/);
  });
});

describe('kubeconfig', () => {
  it('refuses to start without a cluster, naming KUBECONFIG and the fix (no silent localhost:8080)', () => {
    expect(() => loadKubeConfig(undefined, {}, '/nonexistent-home')).toThrow(/KUBECONFIG is unset, this is not a Pod, and there is no ~\/\.kube\/config/);
    expect(() => loadKubeConfig('/nonexistent/kubeconfig', {})).toThrow(/Configuration kubeconfig \(KUBECONFIG\): \/nonexistent\/kubeconfig could not be read/);
  });
});

describe('EndpointSlice members', () => {
  it('counts ready endpoints, drains terminating ones, leaves out not-ready ones, addresses by the mcp port', () => {
    const members = membersOf(
      [
        {
          addressType: 'IPv4',
          ports: [{ name: 'metrics', port: 9090 }, { name: 'mcp', port: 2601 }],
          endpoints: [
            { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { name: 'a' } },
            { addresses: ['10.0.0.2'], conditions: { ready: false }, targetRef: { name: 'b' } },
            { addresses: ['10.0.0.3'], conditions: { ready: true, terminating: true }, targetRef: { name: 'c' } },
            { addresses: ['10.0.0.4'], conditions: {}, targetRef: { name: 'd' } },
          ],
        },
      ],
      2601,
    );
    expect(members).toEqual([
      { id: 'a', address: 'http://10.0.0.1:2601', draining: false },
      { id: 'c', address: 'http://10.0.0.3:2601', draining: true },
      { id: 'd', address: 'http://10.0.0.4:2601', draining: false },
    ]);
  });
});
