import type { GroupCapacity } from './forecast-capacity';
import { TimelineCache } from './timeline-cache';

const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));

function capacityFrom(minutes: number[]): GroupCapacity {
  return {
    timeline: minutes.slice(0, -1).map((m, i) => ({
      start: at(m).toISOString(),
      end: at(minutes[i + 1]).toISOString(),
      limitsA: [m, m, m],
    })),
    gapLimitsA: [6, 6, 6],
  };
}

describe(TimelineCache.name, () => {
  let builds: number;
  let cache: TimelineCache;
  const build = (minutes: number[]) => () => {
    builds++;
    return Promise.resolve(capacityFrom(minutes));
  };

  beforeEach(() => {
    builds = 0;
    cache = new TimelineCache();
  });

  it('builds once per key and, later, leaves out the blocks that have ended', async () => {
    const first = await cache.get('g1', 'v1', at(0), build([0, 15, 30, 45]));
    const later = await cache.get('g1', 'v1', at(20), build([0, 15, 30, 45]));

    expect(builds).toBe(1);
    expect(first.timeline.map((b) => b.limitsA[0])).toEqual([0, 15, 30]);
    expect(later).toEqual(capacityFrom([15, 30, 45]));
  });

  it('builds again when the key changes (a new forecast, here or on another instance)', async () => {
    await cache.get('g1', 'v1', at(0), build([0, 15]));
    const changed = await cache.get('g1', 'v2', at(1), build([0, 30]));

    expect(builds).toBe(2);
    expect(changed.timeline[0].end).toBe(at(30).toISOString());
  });

  it('keeps one entry per slot, and builds again for an instant before the one it was built for', async () => {
    await cache.get('g1', 'v1', at(10), build([0, 15]));
    await cache.get('g2', 'v1', at(10), build([0, 15]));
    await cache.get('g1', 'v1', at(5), build([0, 15]));

    expect(builds).toBe(3);
  });

  it('hands out a timeline no reader can change for the others', async () => {
    const { timeline } = await cache.get('g1', 'v1', at(0), build([0, 15]));
    expect(() => {
      (timeline[0].limitsA as unknown as number[])[0] = 99;
    }).toThrow(TypeError);
  });
});
