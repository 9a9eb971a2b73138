/**
 * The config the `local` stack adds (operators.install, postgres.manageTenantRoles): defaults,
 * refusals with their fixes, and the CRDs `install: crds` applies. Pure: no CLI, no cluster.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseStackConfig, StackConfigError } from '../../stacks/config.js';
import { operatorCrds, STAND_IN_CRDS } from '../../stacks/kubernetes/operator-crds.js';
import { OPERATOR_CHARTS } from '../../stacks/kubernetes/operators.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const secrets = { postgresPassword: 'p', secretSeed: 's'.repeat(16) };
const minimal = { domain: 'dev.example.com', cluster: { mode: 'existing' }, postgres: { host: 'localhost' }, ...secrets };

function problemsOf(raw: Record<string, unknown>, stack: string): readonly string[] {
  try {
    parseStackConfig(raw, stack);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('local stack config', () => {
  it('leaves both new settings unset by default (program: helm charts, tenant roles managed)', () => {
    const c = parseStackConfig(minimal, 'dev');
    expect(c.operators.install).toBeUndefined();
    expect(c.postgres.manageTenantRoles).toBeUndefined();
  });

  it('Pulumi.local.yaml is the dev environment with CRDs only and no tenant roles', () => {
    const file = parse(readFileSync(`${ROOT}Pulumi.local.yaml`, 'utf8')) as { config: Record<string, unknown> };
    const raw = Object.fromEntries(
      Object.entries(file.config)
        .filter(([k]) => !k.endsWith(':postgresPassword') && !k.endsWith(':secretSeed'))
        .map(([k, v]) => [k.replace(/^debug-host-platform:/, ''), v]),
    );
    const c = parseStackConfig({ ...raw, ...secrets }, 'local');
    expect(c.environment).toBe('dev');
    expect(c.cluster).toMatchObject({ mode: 'existing', context: 'local' });
    expect(c.operators.install).toBe('crds');
    expect(c.postgres).toMatchObject({ host: '127.0.0.1', port: 55432, sslmode: 'disable', manageTenantRoles: false });
  });

  it('refuses an unknown install mode, and crds on EKS, saying what to set', () => {
    expect(problemsOf({ ...minimal, operators: { install: 'kustomize' } }, 'dev')).toEqual([
      expect.stringMatching(/^debug-host-platform:operators\.install: expected "helm" .* or "crds" .*; run `pulumi config set --path 'operators\.install' <value>`/),
    ]);
    const eks = { ...minimal, cluster: { mode: 'eks', region: 'eu-west-1', network: { mode: 'create', availabilityZones: ['a', 'b'] } }, operators: { install: 'crds' } };
    expect(problemsOf(eks, 'staging')).toEqual([expect.stringMatching(/^debug-host-platform:operators\.install: "crds" runs no operators.*use "helm"/)]);
  });

  it('install: crds has a CRD for every API group an operator owns, committed or stand-in', () => {
    for (const op of OPERATOR_CHARTS) {
      const groups = new Set(operatorCrds(op.key).map((c) => (c['spec'] as { group: string }).group));
      const expected = op.apiGroups.filter((g) => g !== 'acme.cert-manager.io' && g !== 'core.strimzi.io');
      expect([...groups].sort(), op.key).toEqual(expect.arrayContaining(expected));
    }
    const cnpg = operatorCrds('cloudnativePg').map((c) => c.metadata.name);
    expect(cnpg).toEqual(expect.arrayContaining(['clusters.postgresql.cnpg.io', 'poolers.postgresql.cnpg.io']));
    const issuer = operatorCrds('certManager').find((c) => c.metadata.name === 'clusterissuers.cert-manager.io');
    expect(issuer?.['spec']).toMatchObject({ scope: 'Cluster', versions: [{ name: 'v1', schema: { openAPIV3Schema: { 'x-kubernetes-preserve-unknown-fields': true } } }] });
    expect(Object.keys(STAND_IN_CRDS).sort()).toEqual(['certManager', 'envoyGateway', 'kubePrometheusStack']);
  });
});
