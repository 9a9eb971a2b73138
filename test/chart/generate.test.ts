/**
 * `npm run chart` (scripts/chart/generate.ts): the files it writes and what they hold. No
 * helm binary here; the integration tier runs the real one on the same chart.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME_IMAGE } from '../../constructs/debug-host.js';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../constructs/environments.js';
import { synthPlatform } from '../../constructs/synth.js';
import { diffManifests } from '../../scripts/chart/compare.js';
import { type GenerateResult, generateChart } from '../../scripts/chart/generate.js';
import { helmMerge } from '../../scripts/chart/helm-values.js';
import { APP_VERSION, defaultValues } from '../../scripts/chart/sentinels.js';
import { type ChartValues, configFromValues } from '../../scripts/chart/values.js';

const constructsVersion = (JSON.parse(readFileSync(new URL('../../constructs/package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('npm run chart', () => {
  let out: string;
  let result: GenerateResult;
  const read = (f: string) => readFileSync(join(result.dir, f), 'utf8');

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'debug-host-chart-'));
    result = generateChart(out);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes dist/chart/debug-host/ with Chart.yaml at the constructs version and the runtime image tag as appVersion', () => {
    expect(result.dir).toBe(join(out, 'debug-host'));
    const chart = parse(read('Chart.yaml')) as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'debug-host', type: 'application', version: constructsVersion, appVersion: APP_VERSION });
    expect(DEFAULT_RUNTIME_IMAGE.endsWith(`:${APP_VERSION}`)).toBe(true);
    expect(readdirSync(result.dir).sort()).toEqual(['Chart.yaml', 'README.md', 'templates', 'values-dev.yaml', 'values-prod.yaml', 'values-staging.yaml', 'values.schema.json', 'values.yaml']);
  });

  it('values.yaml holds every value at its default, each with its description as a comment', () => {
    const text = read('values.yaml');
    expect(parse(text)).toEqual(defaultValues());
    expect(text).toMatch(/# Fewest replicas, and the Deployment's initial replica count\.\n\s+minReplicas: 3/);
    expect(text).toMatch(/# Existing Secret with the shared JWT secret/);
    expect(text).not.toMatch(/:latest/);
  });

  for (const env of ENVIRONMENT_NAMES) {
    it(`values-${env}.yaml over values.yaml is the ${env} environment of constructs/environments.ts`, () => {
      const values = helmMerge(defaultValues(), parse(read(`values-${env}.yaml`))) as ChartValues;
      expect(values.environment).toBe(env);
      expect(diffManifests(synthPlatform(ENVIRONMENTS[env]), synthPlatform(configFromValues(values, APP_VERSION)))).toEqual([]);
    });
  }

  it('writes one template per object, the per-tenant ones under templates/tenant/ inside a range over the tenants', () => {
    const dirs = readdirSync(join(result.dir, 'templates'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith('.yaml') && d.name !== 'validate.yaml');
    expect(dirs.length).toBe(result.templates);
    const tenant = readdirSync(join(result.dir, 'templates', 'tenant'));
    expect(tenant.length).toBe(result.perTenant);
    expect(tenant).toContain('httproute-tenant.yaml');
    expect(read('templates/tenant/namespace-tenant.yaml')).toMatch(/\{\{- range \$t := \$\.Values\.tenants \}\}[\s\S]*name: \{\{ toJson \(printf "tenant-%v" \(\$t\.name\)\) \}\}/);
    // derived values are templated, not copied: min(3, brokers) replicas, tenant_<id with _>
    expect(read('templates/events/kafkatopic-debug-host-audit.yaml')).toMatch(/replicas: \{\{ toJson \(min 3 \(int64 \$\.Values\.kafka\.brokers\)\) \}\}/);
    expect(read('templates/database/database-debug-host-pg-debug-host.yaml')).toMatch(/replace "-" "_" \$t\.name/);
    expect(read('templates/_validate.tpl')).toMatch(/autoscaling\.maxReplicas: %v is below autoscaling\.minReplicas/);
  });

  it('checked the chart against the constructs before writing it', () => {
    expect(result.checked).toBeGreaterThan(400);
    expect(result.variants).toBeGreaterThan(20);
  });
});
