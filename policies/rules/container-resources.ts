/**
 * Requests and limits: without requests the scheduler and the HPA are blind, without limits one
 * tenant's project can starve a node. Requests (cpu, memory) and the memory limit are mandatory;
 * the cpu limit is advisory, because cpu is compressible and some operators deliberately omit it.
 */
import { asObject, containersOf, describe, podSpecOf } from './kubernetes.js';
import type { PolicyResource, ResourceRule } from './types.js';

function missing(r: PolicyResource, wanted: readonly (readonly ['requests' | 'limits', 'cpu' | 'memory'])[]): string[] {
  const pod = podSpecOf(r);
  if (pod === undefined) return [];
  return containersOf(pod).flatMap(({ name, container }) => {
    const resources = asObject(container['resources']) ?? {};
    const absent = wanted
      .filter(([section, key]) => asObject(resources[section])?.[key] === undefined)
      .map(([section, key]) => `${section}.${key}`);
    if (absent.length === 0) return [];
    return [`${describe(r)}: container "${name}" has no resources.${absent.join(', resources.')}; set ${absent.length === 1 ? 'it' : 'them'} in the container spec.`];
  });
}

export const containersHaveRequestsAndLimits: ResourceRule = {
  name: 'containers-have-requests-and-limits',
  description: 'Every container sets cpu and memory requests and a memory limit.',
  level: 'mandatory',
  check: (r) =>
    missing(r, [
      ['requests', 'cpu'],
      ['requests', 'memory'],
      ['limits', 'memory'],
    ]),
};

export const containersHaveCpuLimits: ResourceRule = {
  name: 'containers-have-cpu-limits',
  description: 'Every container sets a cpu limit (advisory: cpu is compressible).',
  level: 'advisory',
  check: (r) => missing(r, [['limits', 'cpu']]),
};
