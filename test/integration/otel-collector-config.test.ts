/**
 * The collector config the Observability construct writes is one the collector accepts:
 * `otelcol validate` of the build made from the same release as the Deployment's image
 * (scripts/otelcol/build.sh, OTELCOL_VERSION), for every environment's platform and for an
 * OTLP export endpoint; and the build script builds that release.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS, ENVIRONMENT_NAMES } from '../../constructs/environments.js';
import { OTELCOL_VERSION } from '../../constructs/otel-collector.js';
import { synthPlatform } from '../../constructs/synth.js';
import { otelcolBinary } from './tracing/collector.js';

const run = promisify(execFile);

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly data?: Record<string, string>;
}

function collectorConfig(objects: readonly Manifest[]): string {
  const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-otel-collector'));
  expect(maps.map((m) => m.metadata.name)).toHaveLength(1);
  return maps[0]?.data?.['config.yaml'] ?? '';
}

async function validate(config: string): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'otelcol-validate-'));
  const file = join(dir, 'config.yaml');
  await writeFile(file, config);
  try {
    const { stdout, stderr } = await run(otelcolBinary(), ['validate', `--config=file:${file}`]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the OpenTelemetry collector config the constructs write', () => {
  it('is built from the release the collector Deployment runs', async () => {
    const script = await readFile(new URL('../../scripts/otelcol/build.sh', import.meta.url), 'utf8');
    expect(/^OTELCOL_VERSION=(\S+)$/m.exec(script)?.[1]).toBe(`v${OTELCOL_VERSION}`);
  });

  for (const env of ENVIRONMENT_NAMES) {
    it(`${env}: passes otelcol validate`, async () => {
      const result = await validate(collectorConfig(synthPlatform(ENVIRONMENTS[env]) as Manifest[]));
      expect(result.output).not.toMatch(/error/i);
      expect(result.code).toBe(0);
    });
  }

  it('with an OTLP export endpoint passes too, and a config naming an unknown component does not', async () => {
    const config = collectorConfig(synthPlatform({ ...ENVIRONMENTS.prod, observability: { otlpExportEndpoint: 'tempo.monitoring.svc:4317' } }) as Manifest[]);
    expect(JSON.parse(config).exporters).toEqual({ otlp: { endpoint: 'tempo.monitoring.svc:4317' } });
    expect((await validate(config)).code).toBe(0);
    // The check can fail: the same config with a processor the collector does not have.
    const broken = JSON.parse(config);
    broken.service.pipelines.traces.processors.push('k8sattributes');
    broken.processors.k8sattributes = {};
    const refused = await validate(JSON.stringify(broken));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/k8sattributes/);
  });
});
