import type { GroupCapacity } from '@gridflex/planning';

/** The capacity per phase at `t` (ms); Infinity where nothing limits it. */
export function capacityAt(capacity: GroupCapacity, t: number): [number, number, number] {
  const block = capacity.timeline.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
  return [...(block?.limitsA ?? capacity.gapLimitsA)] as [number, number, number];
}

/** The instants in (from, to) where the capacity changes. */
export function capacityEdges(capacity: GroupCapacity, from: number, to: number): number[] {
  return capacity.timeline
    .flatMap((b) => [Date.parse(b.start), Date.parse(b.end)])
    .filter((t) => t > from && t < to);
}
