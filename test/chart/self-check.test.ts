/**
 * The generator checks itself: a value the constructs derive that nobody templated, a wrong
 * derivation, or a config the chart cannot express fails the generation, naming the object
 * and field, instead of producing a chart that renders other objects.
 */
import { describe, expect, it } from 'vitest';
import { ENVIRONMENTS } from '../../constructs/environments.js';
import { buildChart } from '../../scripts/chart/build.js';
import { FIELD_DERIVATIONS, TEXT_DERIVATIONS } from '../../scripts/chart/derivations.js';
import { templateFile } from '../../scripts/chart/emit.js';
import { APP_VERSION, defaultValues } from '../../scripts/chart/sentinels.js';
import { type ChartObject, type Cond, renderChart } from '../../scripts/chart/tree.js';
import { valuesFromConfig } from '../../scripts/chart/values.js';
import { verificationCases, verifyChart } from '../../scripts/chart/verify.js';

describe('the chart generator checks itself', () => {
  it('stops at a derived text left untemplated (tenant_<id>, from the tenant name), naming the object and field', () => {
    const text = TEXT_DERIVATIONS.filter((d) => d.label !== 'tenant schema name');
    expect(() => buildChart({ textDerivations: text })).toThrow(/Database\/.*spec\/schemas\/\[\]\/name: "tenant_zq_t0_zq_x+" still holds a sentinel's trace/);
  });

  it('stops at a derivation that does not give what the constructs give', () => {
    const fields = FIELD_DERIVATIONS.map((d) => (d.label === 'redis nodes' ? { ...d, expr: { ...d.expr, ts: () => 6 } } : d));
    expect(() => buildChart({ fieldDerivations: fields })).toThrow(/StatefulSet.*spec\/replicas: derivation "redis nodes" expects 6, the constructs gave 15/);
  });

  it('finds a derived number it cannot see in the sentinels (Kafka replication = min(3, brokers)) by rendering the probes', () => {
    const chart = buildChart({ fieldDerivations: FIELD_DERIVATIONS.filter((d) => d.label !== 'kafka replication factor') });
    const probes = verificationCases().filter((c) => c.name === 'kafka.brokers = 1');
    expect(() => verifyChart(chart, probes)).toThrow(/check "kafka\.brokers = 1": the chart renders other objects than the constructs:[\s\S]*KafkaTopic\/debug-host\/debug-host-audit\n\s+\.spec\.replicas: expected 1, got 3/);
  });

  it('refuses a config field the chart has no value for', () => {
    const config = { ...ENVIRONMENTS.dev, debugHost: { env: { FOO: 'bar' } } };
    expect(() => valuesFromConfig(config, defaultValues(), APP_VERSION)).toThrow(/debugHost\.env has no chart value/);
  });
});

describe('the template tree', () => {
  const when: Cond = { go: '$.Values.on', ts: (s) => (s.values as unknown as { on: boolean }).on };
  const obj: ChartObject = {
    id: 'v1/ConfigMap//x',
    kind: 'ConfigMap',
    perTenant: false,
    node: {
      t: 'map',
      entries: [
        { key: ['kind'], value: { t: 'lit', v: 'ConfigMap' } },
        { key: ['data'], value: { t: 'map', entries: [{ key: ['a'], value: { t: 'lit', v: 'yes' } }, { key: ['b'], value: { t: 'expr', e: { go: '$.Values.b', ts: () => 'B' } }, when }] } },
        { key: ['list'], value: { t: 'list', items: [{ value: { t: 'str', parts: ['t-', { go: '$t.name', ts: (s) => s.tenant?.name ?? '', tenant: true }] }, perTenant: true }] } },
      ],
    },
  };

  it('emits YAML with actions: quoted YAML 1.1 words, conditions and ranges on lines of their own', () => {
    expect(templateFile(obj)).toBe(
      [
        '---',
        'kind: ConfigMap',
        'data:',
        '  a: "yes"',
        '  {{- if $.Values.on }}',
        '  b: {{ toJson ($.Values.b) }}',
        '  {{- end }}',
        'list:',
        '  {{- range $t := $.Values.tenants }}',
        '  - {{ toJson (printf "t-%v" ($t.name)) }}',
        '  {{- end }}',
        '',
      ].join('\n'),
    );
  });

  it('renders in TypeScript what Helm renders from it', () => {
    const values = { ...defaultValues(), on: false, tenants: [{ name: 'a' }, { name: 'b' }] };
    expect(renderChart([obj], values, APP_VERSION)).toEqual([{ kind: 'ConfigMap', data: { a: 'yes' }, list: ['t-a', 't-b'] }]);
  });
});
