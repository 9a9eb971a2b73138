/**
 * Images must be pinned: `:latest` (or no tag, which means latest) makes a rollout
 * unreproducible and a rollback a no-op. Mandatory.
 */
import { containersOf, describe, podSpecOf } from './kubernetes.js';
import type { ResourceRule } from './types.js';

/** The tag of an image reference, undefined when it has none; digests count as pinned. */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return '@digest';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : image.slice(colon + 1);
}

export const noLatestImageTag: ResourceRule = {
  name: 'no-latest-image-tag',
  description: 'Container images must be pinned to a version tag or a digest, never `:latest` or untagged.',
  level: 'mandatory',
  check(r) {
    const pod = podSpecOf(r);
    if (pod === undefined) return [];
    return containersOf(pod).flatMap(({ name, container }) => {
      const image = container['image'];
      if (typeof image !== 'string') {
        return [`${describe(r)}: container "${name}" has no image; set an image pinned to a version tag or digest.`];
      }
      const tag = imageTag(image);
      if (tag === undefined || tag === 'latest') {
        return [`${describe(r)}: container "${name}" uses image "${image}" without a pinned tag; pin a version tag or digest instead of latest.`];
      }
      return [];
    });
  },
};
