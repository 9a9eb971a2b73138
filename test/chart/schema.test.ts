/**
 * values.schema.json (what Helm checks the values against before rendering): the defaults
 * and every environment pass; a bad value is refused with the field's path.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES } from '../../constructs/environments.js';
import { helmMerge } from '../../scripts/chart/helm-values.js';
import { valuesSchema } from '../../scripts/chart/schema.js';
import { defaultValues, setPath } from '../../scripts/chart/sentinels.js';
import type { Json } from '../../scripts/chart/tree.js';
import { environmentOverrides } from '../../scripts/chart/verify.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(valuesSchema());

function errors(values: unknown): ErrorObject[] {
  return validate(values) ? [] : [...(validate.errors ?? [])];
}

function withValue(path: string, value: Json): unknown {
  const v = structuredClone(defaultValues()) as object;
  setPath(v, path, value);
  return v;
}

describe('values.schema.json', () => {
  it('is draft-07 and accepts values.yaml and every environment', () => {
    expect(valuesSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(errors(defaultValues())).toEqual([]);
    for (const env of ENVIRONMENT_NAMES) expect(errors(helmMerge(defaultValues(), environmentOverrides(env))), env).toEqual([]);
  });

  it.each([
    ['autoscaling.minReplicas', 0, '/autoscaling/minReplicas', 'minimum'],
    ['autoscaling.cpuUtilization', 101, '/autoscaling/cpuUtilization', 'maximum'],
    ['autoscaling.minReplicas', '3', '/autoscaling/minReplicas', 'type'],
    ['autoscaling.autoscaler', 'vpa', '/autoscaling/autoscaler', 'enum'],
    ['image.digest', 'sha256:abc', '/image/digest', 'pattern'],
    ['image.tag', 'v1 beta', '/image/tag', 'pattern'],
    ['resources.limits.memory', '2 GB', '/resources/limits/memory', 'pattern'],
    ['resources.requests.cpu', 0, '/resources/requests/cpu', 'exclusiveMinimum'],
    ['domain', 'Example.COM', '/domain', 'pattern'],
    ['kafka.controllers', 2, '/kafka/controllers', 'enum'],
    ['postgres.backup.schedule', '0 3 * * *', '/postgres/backup/schedule', 'pattern'],
    ['redis.image', 'redis', '/redis/image', 'pattern'],
    ['postgres.enabled', 'yes', '/postgres/enabled', 'type'],
  ] as const)('refuses %s = %j at %s (%s)', (path, value, at, keyword) => {
    const found = errors(withValue(path, value));
    expect(found.map((e) => [e.instancePath, e.keyword])).toContainEqual([at, keyword]);
  });

  it('refuses a misspelt key, a tenant without a name or with a bad one, and a replica without its path', () => {
    const typo = { ...(defaultValues() as object), autoscalling: {} };
    expect(errors(typo).map((e) => [e.keyword, e.params])).toContainEqual(['additionalProperties', { additionalProperty: 'autoscalling' }]);
    const tenants = (t: unknown[]) => ({ ...defaultValues(), tenants: t });
    expect(errors(tenants([{ displayName: 'x' }])).map((e) => [e.instancePath, e.keyword])).toContainEqual(['/tenants/0', 'required']);
    expect(errors(tenants([{ name: 'Acme_Corp' }])).map((e) => e.instancePath)).toContain('/tenants/0/name');
    expect(errors(tenants([{ name: 'a'.repeat(41) }])).map((e) => [e.instancePath, e.keyword])).toContainEqual(['/tenants/0/name', 'maxLength']);
    expect(errors(tenants([{ name: 'ab' }])).map((e) => [e.instancePath, e.keyword])).toContainEqual(['/tenants/0/name', 'minLength']);
    expect(errors(tenants([{ name: '1abc' }])).map((e) => [e.instancePath, e.keyword])).toContainEqual(['/tenants/0/name', 'pattern']);
    expect(errors(tenants([{ name: 'aaa', quotas: { containers: 0 } }])).map((e) => e.instancePath)).toContain('/tenants/0/quotas/containers');
    expect(errors(tenants([{ name: 'aaa', quotas: { cpu: 20 } }]))).toEqual([]);
    expect(errors(withValue('postgres.replica.enabled', true)).map((e) => e.instancePath)).toContain('/postgres/replica/destinationPath');
  });
});
