import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../constructs/index.js';
import { loadCrdValidators, validateManifests } from '../../scripts/synth-schema.js';
import { main, synthEnvironment } from '../../scripts/synth.js';
import type { Obj } from './helpers.js';

const out = mkdtempSync(join(tmpdir(), 'debug-host-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function readYamlTree(dir: string): Obj[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .flatMap((e) => parseAllDocuments(readFileSync(join(e.parentPath, e.name), 'utf8')).map((d) => d.toJSON() as Obj));
}

describe('schema validation of everything synth writes', () => {
  it.each(ENVIRONMENT_NAMES)('%s: every written object validates against its schema', async (env) => {
    const r = await synthEnvironment(ENVIRONMENTS[env], out);
    const written = readYamlTree(join(out, env));
    expect(written).toHaveLength(r.objects);
    expect(r.files.map((f) => f.slice(join(out, env).length + 1)).sort()).toEqual(['platform.yaml', 'tenants/acme.yaml', 'tenants/globex.yaml', 'tenants/initech.yaml']);
    expect(await validateManifests(written)).toEqual([]);
    // Every operator kind was checked against a CRD or a model package, never skipped.
    const kinds = new Set(written.map((o) => `${o.apiVersion}/${o.kind}`));
    for (const k of ['postgresql.cnpg.io/v1/Cluster', 'postgresql.cnpg.io/v1/Pooler', 'kafka.strimzi.io/v1/Kafka', 'kafka.strimzi.io/v1/KafkaNodePool', 'kafka.strimzi.io/v1/KafkaUser', 'gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy']) {
      expect(kinds).toContain(k);
      expect(loadCrdValidators().has(k)).toBe(true);
    }
  });

  it('loads the committed CRDs (not ../shared)', () => {
    expect(loadCrdValidators().keys().sort()).toEqual(expect.arrayContaining([
      'postgresql.cnpg.io/v1/Cluster', 'postgresql.cnpg.io/v1/Database', 'postgresql.cnpg.io/v1/Pooler', 'postgresql.cnpg.io/v1/ScheduledBackup',
      'kafka.strimzi.io/v1/Kafka', 'kafka.strimzi.io/v1/KafkaNodePool', 'kafka.strimzi.io/v1/KafkaTopic', 'kafka.strimzi.io/v1/KafkaUser',
      'gateway.envoyproxy.io/v1alpha1/BackendTrafficPolicy',
    ]));
  });

  describe('the validator rejects what the API server would', () => {
    it.each<[string, Obj, RegExp]>([
      ['a bad quantity in a built-in kind', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: 'many' } } }, /quantity/],
      ['a missing required field', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: {} } }, /selector/],
      ['a wrong type in a CRD kind', { apiVersion: 'kafka.strimzi.io/v1', kind: 'KafkaTopic', metadata: { name: 't' }, spec: { partitions: 'twelve' } }, /partitions must be integer/],
      ['an enum violation in a CRD kind', { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', metadata: { name: 'b' }, spec: { schedule: '0 0 0 * * *', cluster: { name: 'c' }, method: 'tape' } }, /method/],
      ['a misspelt field a CRD would silently prune', { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'c' }, spec: { instances: 3, affinity: { enablePodAntiAfinity: true } } }, /unknown fields the API server would drop: \/spec\/affinity\/enablePodAntiAfinity/],
      ['a model-package kind', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: {} }, /gatewayClassName/],
      ['a KEDA kind', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 's' }, spec: { scaleTargetRef: { name: 'd' } } }, /triggers/],
      ['an unknown kind', { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, /no schema known/],
      ['a missing name', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, /metadata.name is missing/],
    ])('%s', async (_, obj, message) => {
      const problems = await validateManifests([obj]);
      expect(problems.map((p) => p.message).join('\n')).toMatch(message);
    });
  });

  describe('npm run synth', () => {
    it('writes all three environments and exits 0', async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const code = await main(['--out', join(out, 'cli')]);
      log.mockRestore();
      expect(code).toBe(0);
      expect(readdirSync(join(out, 'cli')).sort()).toEqual(['dev', 'prod', 'staging']);
    });

    it('exits 1 naming the prop when a config is invalid', async () => {
      const file = join(out, 'bad.json');
      writeFileSync(file, JSON.stringify({ environment: 'qa', domain: 'qa.example.com', tenants: [{ name: 'acme', quotas: { memory: '0Gi' } }] }));
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const code = await main(['--config', file, '--out', join(out, 'bad')]);
      const message = err.mock.calls.flat().join('\n');
      err.mockRestore();
      expect(code).toBe(1);
      expect(message).toMatch(/synth: qa: Tenant: invalid prop 'quotas.memory'.*positive Kubernetes quantity/);
    });

    it('exits 1 naming the object when an object fails its schema, and writes nothing', async () => {
      const file = join(out, 'schema-bad.json');
      // Type-checked code cannot say this; a JSON config can, and the schema catches it.
      writeFileSync(file, JSON.stringify({ environment: 'qa', domain: 'qa.example.com', debugHost: { imagePullPolicy: 'Sometimes' } }));
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const code = await main(['--config', file, '--out', join(out, 'schema-bad')]);
      const message = err.mock.calls.flat().join('\n');
      err.mockRestore();
      expect(code).toBe(1);
      expect(message).toMatch(/synth: qa: 1 object\(s\) of environment "qa" fail their schema:\n  - apps\/v1 Deployment debug-host\/debug-host: .*imagePullPolicy/);
      expect(() => readdirSync(join(out, 'schema-bad', 'qa'))).toThrow();
    });

    it('exits 1 for an unknown environment', async () => {
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      const code = await main(['--env', 'qa']);
      const message = err.mock.calls.flat().join('\n');
      err.mockRestore();
      expect(code).toBe(1);
      expect(message).toMatch(/unknown environment "qa".*dev, staging, prod/);
    });
  });
});
