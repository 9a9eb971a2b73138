import { describe, expect, it } from 'vitest';
import { ENVIRONMENT_NAMES, EXAMPLE_TENANTS, environmentConfig, synthPlatform } from '../../constructs/index.js';
import { checkManifests } from '../../policies/check-manifests.js';

describe('the reference environments that `npm run synth` writes', () => {
  it.each(ENVIRONMENT_NAMES)('%s passes every mandatory policy', (env) => {
    const manifests = synthPlatform(environmentConfig(env));
    expect(manifests.filter((m) => m.kind === "Namespace").map((m) => (m.metadata as { name: string }).name)).toEqual(expect.arrayContaining(EXAMPLE_TENANTS.map((t) => `tenant-${t.name}`)));
    const mandatory = checkManifests(manifests, { environment: env }).filter((v) => v.level === 'mandatory');
    expect(mandatory).toEqual([]);
    const storageClass = manifests.find((m) => m.kind === 'StorageClass') as { parameters?: Record<string, string> } | undefined;
    expect(storageClass?.parameters?.encrypted).toBe('true');
  });
});
