import { describe, expect, it } from 'vitest';
import { Gateway, type GatewayProps } from '../../constructs/index.js';
import { all, expectValid, one, synth } from './helpers.js';

const gw = (props: Partial<GatewayProps> = {}) => synth((c) => new Gateway(c, 'gw', { domain: 'example.com', tenants: [{ name: 'acme' }, { name: 'globex' }], ...props }));

describe('Gateway', () => {
  it('synthesizes Gateway API, cert-manager and Envoy Gateway objects that validate', async () => {
    await expectValid(gw());
    await expectValid(gw({ tenants: [] }));
  });

  it('keeps its shape', () => {
    expect(gw()).toMatchSnapshot();
  });

  it('terminates TLS for *.<domain> with a cert-manager certificate, HTTP only redirects', () => {
    const objs = gw();
    const g = one(objs, 'Gateway');
    expect(g.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(g.metadata).toMatchObject({ name: 'debug-host', namespace: 'debug-host' });
    expect(g.spec.gatewayClassName).toBe('eg');
    expect(g.spec.listeners[0]).toMatchObject({ name: 'https', protocol: 'HTTPS', port: 443, hostname: '*.example.com', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'debug-host-tls' }] } });
    for (const l of g.spec.listeners) expect(l.allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
    const cert = one(objs, 'Certificate');
    expect(cert.spec).toMatchObject({ secretName: 'debug-host-tls', dnsNames: ['*.example.com', 'example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } });
    const redirect = one(objs, 'HTTPRoute', 'debug-host-https-redirect');
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  });

  it('routes each tenant host <tenant>.<domain> to the runtime, setting the tenant header', () => {
    const route = one(gw(), 'HTTPRoute', 'tenant-acme');
    expect(route.spec.hostnames).toEqual(['acme.example.com']);
    expect(route.spec.parentRefs).toEqual([{ name: 'debug-host', sectionName: 'https' }]);
    const [mcp, dashboard] = route.spec.rules;
    expect(mcp.matches.map((m: { path: { value: string } }) => m.path.value)).toEqual(['/mcp', '/health', '/ready']);
    expect(mcp.backendRefs).toEqual([{ name: 'debug-host', port: 2601 }]);
    expect(dashboard.backendRefs).toEqual([{ name: 'debug-host', port: 2602 }]);
    for (const rule of route.spec.rules) {
      expect(rule.filters).toEqual([{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-debug-host-tenant', value: 'acme' }] } }]);
    }
    expect(all(gw(), 'HTTPRoute')).toHaveLength(3);
    expect(one(gw({ tenants: [{ name: 'acme', hostname: 'portal.example.com' }] }), 'HTTPRoute', 'tenant-acme').spec.hostnames).toEqual(['portal.example.com']);
  });

  it('balances by least requests, not by tenant: the runtime routes each project to its owner (Envoy BackendTrafficPolicy)', () => {
    const p = one(gw(), 'BackendTrafficPolicy');
    expect(p.apiVersion).toBe('gateway.envoyproxy.io/v1alpha1');
    expect(p.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'debug-host' }],
      loadBalancer: { type: 'LeastRequest' },
    });
    expect(p.metadata.name).toBe('debug-host-balancing');
  });

  it('honours gatewayClassName, clusterIssuer and serviceName', () => {
    const objs = gw({ gatewayClassName: 'internal', clusterIssuer: 'corp-ca', serviceName: 'runtime' });
    expect(one(objs, 'Gateway').spec.gatewayClassName).toBe('internal');
    expect(one(objs, 'Certificate').spec.issuerRef.name).toBe('corp-ca');
    expect(one(objs, 'HTTPRoute', 'tenant-acme').spec.rules[0].backendRefs[0].name).toBe('runtime');
  });

  it.each([
    [{ domain: 'https://example.com' }, /'domain'.*not a lowercase DNS name/],
    [{ tenants: [{ name: 'aaa', hostname: 'x.example.com' }, { name: 'bbb', hostname: 'x.example.com' }] }, /'tenants\[\].hostname'.*more than once/],
    [{ tenants: [{ name: 'aaa', hostname: 'a.other.org' }] }, /'tenants\[aaa\].hostname'.*not one label under example.com/],
    [{ tenants: [{ name: 'aaa', hostname: 'x.y.example.com' }] }, /'tenants\[aaa\].hostname'/],
    [{ tenants: [{ name: 'aaa' }, { name: 'aaa' }] }, /'tenants\[\].name'.*more than once/],
    [{ tenants: [{ name: 'a'.repeat(41) }] }, /Gateway: invalid prop 'tenants\[\].name'.*more than 40/],
    [{ tenantHeader: 'X Tenant' }, /'tenantHeader'/],
  ])('rejects %j', (props, message) => {
    expect(() => gw(props as Partial<GatewayProps>)).toThrow(message);
  });
});
