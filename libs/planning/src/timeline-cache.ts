import type { CapacityBlock, GroupCapacity } from './forecast-capacity';

interface Entry {
  /** What the timeline was built from; another input is another key. */
  key: string;
  builtForMs: number;
  capacity: GroupCapacity;
}

/**
 * Capacity timelines built once per change of their inputs and reused: planning, the dashboard sampler and
 * the compliance check read a group's capacity again and again while its forecasts stay the same. One entry
 * per slot (e.g. a group), replaced when the key (its inputs' identity, read from the database, so that a
 * change made by another instance counts too) differs.
 */
export class TimelineCache {
  private readonly entries = new Map<string, Entry>();

  /**
   * The capacity for `slot` from `now` on: the cached one while `key` is unchanged, less the blocks that have
   * ended by now; else `build()`, kept for the next call. A block in force at `now` may then start before
   * the cut a fresh build would make, with the same limit.
   */
  async get(
    slot: string,
    key: string,
    now: Date,
    build: () => Promise<GroupCapacity>,
  ): Promise<GroupCapacity> {
    const entry = this.entries.get(slot);
    if (entry && entry.key === key && entry.builtForMs <= now.getTime()) {
      return { ...entry.capacity, timeline: fromNow(entry.capacity.timeline, now) };
    }
    const capacity = frozen(await build());
    this.entries.set(slot, { key, builtForMs: now.getTime(), capacity });
    return capacity;
  }
}

/** The blocks not yet ended (several peers' timelines may be joined in one: no order is assumed). */
function fromNow(timeline: CapacityBlock[], now: Date): CapacityBlock[] {
  const nowMs = now.getTime();
  return timeline.filter((block) => Date.parse(block.end) > nowMs);
}

/** Shared by every reader until the next change: one that changed it would change it for all. */
function frozen(capacity: GroupCapacity): GroupCapacity {
  for (const block of capacity.timeline) Object.freeze(Object.freeze(block).limitsA);
  Object.freeze(capacity.timeline);
  Object.freeze(capacity.gapLimitsA);
  return Object.freeze(capacity);
}
