import { DsoLimits, SentBlock } from './dso-limits';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const MIN = 60_000;

function block(capacity: number, fromMin: number, toMin: number, phase = 'ALL', unit = 'A'): SentBlock {
  return {
    capacity,
    phase,
    unit,
    start_time: new Date(T0 + fromMin * MIN).toISOString(),
    end_time: new Date(T0 + toMin * MIN).toISOString(),
  };
}

const at = (minutes: number) => T0 + minutes * MIN;

describe('DsoLimits', () => {
  it('keeps the parts of an hourly block around a short emergency inside it', () => {
    const dso = new DsoLimits({ safeDefaultA: 0 });
    dso.receive('g', 'CONSUMPTION', [block(60, 0, 60)], at(-30));
    dso.receive('g', 'CONSUMPTION', [block(20, 20, 30)], at(-1));
    expect(dso.limitAt('g', at(10), true).amps).toEqual([60, 60, 60]);
    expect(dso.limitAt('g', at(25), true).amps).toEqual([20, 20, 20]);
    expect(dso.limitAt('g', at(45), true).amps).toEqual([60, 60, 60]);
  });

  it('replaces over the whole span of a message, its own gaps included, and takes the minimum of overlaps', () => {
    const dso = new DsoLimits({ safeDefaultA: 5 });
    dso.receive('g', 'CONSUMPTION', [block(60, 0, 120)], at(-30));
    dso.receive('g', 'CONSUMPTION', [block(40, 0, 30), block(30, 20, 40), block(50, 60, 90)], at(-1));
    expect(dso.limitAt('g', at(10), true).amps[0]).toBe(40);
    expect(dso.limitAt('g', at(25), true).amps[0]).toBe(30);
    // Inside the new message's span but covered by none of its blocks: a gap, so the safe default.
    expect(dso.limitAt('g', at(50), true).amps[0]).toBe(5);
    expect(dso.limitAt('g', at(100), true).amps[0]).toBe(60);
  });

  it('fills gaps while ONLINE with the fallback in force, else the safe default; OFFLINE uses only those', () => {
    const dso = new DsoLimits({ safeDefaultA: 6 });
    dso.receive('g', 'CONSUMPTION', [block(60, 0, 60)], at(-5));
    dso.receive('g', 'FALLBACK_CONSUMPTION', [block(25, 0, 90)], at(-5));
    expect(dso.limitAt('g', at(10), true).amps[0]).toBe(60);
    expect(dso.limitAt('g', at(70), true).amps[0]).toBe(25);
    expect(dso.limitAt('g', at(100), true).amps[0]).toBe(6);
    expect(dso.limitAt('g', at(10), false).amps[0]).toBe(25);
    expect(dso.limitAt('g', at(100), false).amps[0]).toBe(6);
  });

  it('keeps phases apart: a per-phase message leaves the other phases to their own blocks', () => {
    const dso = new DsoLimits({ safeDefaultA: 0 });
    dso.receive(
      'g',
      'CONSUMPTION',
      [block(40, 0, 60, 'ONE'), block(40, 0, 60, 'TWO'), block(40, 0, 60, 'THREE')],
      0,
    );
    dso.receive('g', 'CONSUMPTION', [block(10, 0, 60, 'TWO')], 1);
    expect(dso.limitAt('g', at(30), true).amps).toEqual([40, 10, 40]);
  });

  it('reads KW on ALL as a total over the phases, and an energy as its average power over the block', () => {
    const dso = new DsoLimits({ safeDefaultA: 0 });
    dso.receive('g', 'CONSUMPTION', [block(22, 0, 60, 'ALL', 'KW')], 0);
    dso.receive('g', 'CONSUMPTION', [block(5, 60, 90, 'ALL', 'KWH')], 0);
    expect(dso.limitAt('g', at(30), true).wattsTotal).toBe(22_000);
    expect(dso.limitAt('g', at(70), true).wattsTotal).toBe(10_000);
    expect(dso.limitAt('g', at(30), true).amps).toEqual([Infinity, Infinity, Infinity]);
  });

  it('names the next block boundary of a group', () => {
    const dso = new DsoLimits({ safeDefaultA: 0 });
    dso.receive('g', 'CONSUMPTION', [block(60, 0, 60), block(30, 60, 120)], 0);
    expect(dso.nextChangeAfter('g', at(10))).toBe(at(60));
    expect(dso.nextChangeAfter('other', at(10))).toBe(Infinity);
  });
});
