/**
 * Consistent hashing with virtual nodes: each member owns many points on a 32-bit ring, a
 * key belongs to the first point at or after its hash. When a member joins or leaves, only
 * the keys of its points move.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_VIRTUAL_NODES = 128;

const hash32 = (value: string): number => createHash('sha1').update(value).digest().readUInt32BE(0);

export class HashRing {
  private readonly points: Array<{ at: number; member: string }>;
  readonly members: readonly string[];

  constructor(members: Iterable<string>, virtualNodes = DEFAULT_VIRTUAL_NODES) {
    this.members = [...new Set(members)].sort();
    this.points = this.members
      .flatMap((member) => Array.from({ length: virtualNodes }, (_, i) => ({ at: hash32(`${member}#${i}`), member })))
      .sort((a, b) => a.at - b.at || a.member.localeCompare(b.member));
  }

  /** The member that owns `key`, or undefined on an empty ring. */
  ownerOf(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const target = hash32(key);
    let low = 0;
    let high = this.points.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.points[mid] as { at: number }).at < target) low = mid + 1;
      else high = mid;
    }
    return (this.points[low % this.points.length] as { member: string }).member;
  }

  has(member: string): boolean {
    return this.members.includes(member);
  }
}
