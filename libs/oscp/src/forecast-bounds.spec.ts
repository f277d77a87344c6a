import { ForecastBounds, forecastBoundsViolation, storedBlocksViolation } from './forecast-bounds';
import type { ForecastedBlock } from './oscp.types';

const NOW = new Date('2026-03-01T12:00:00Z');
const MINUTE = 60_000;
const BOUNDS: ForecastBounds = {
  maxBlocksPerMessage: 3,
  maxStoredBlocks: 10,
  maxHorizonS: 3600,
  minBlockS: 60,
  maxPastS: 600,
};

const at = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE).toISOString();
const block = (from: number, to: number): ForecastedBlock => ({
  capacity: 10,
  phase: 'ALL',
  unit: 'A',
  start_time: at(from),
  end_time: at(to),
});

describe(forecastBoundsViolation.name, () => {
  it('accepts blocks of at least the minimum length inside the window', () => {
    expect(
      forecastBoundsViolation([block(-10, -9), block(0, 1), block(59, 60)], BOUNDS, NOW),
    ).toBeUndefined();
  });

  it('refuses more blocks than one message may hold with 413', () => {
    expect(
      forecastBoundsViolation(
        [0, 1, 2, 3].map((m) => block(m, m + 1)),
        BOUNDS,
        NOW,
      ),
    ).toEqual({
      status: 413,
      message:
        'forecasted_blocks has 4 blocks; at most 3 are accepted in one message (OSCP_MAX_BLOCKS_PER_MESSAGE)',
    });
  });

  it('names OSCP_MAX_STORED_BLOCKS where it is the tighter bound', () => {
    const bounds = { ...BOUNDS, maxStoredBlocks: 1 };
    expect(forecastBoundsViolation([block(0, 1), block(1, 2)], bounds, NOW)?.message).toBe(
      'forecasted_blocks has 2 blocks; at most 1 are accepted in one message (OSCP_MAX_STORED_BLOCKS)',
    );
  });

  it('refuses blocks shorter than the minimum with 400, naming the first and counting the others', () => {
    const short = { ...block(0, 1), end_time: new Date(NOW.getTime() + 30_000).toISOString() };
    expect(forecastBoundsViolation([block(0, 1), short, short], BOUNDS, NOW)).toEqual({
      status: 400,
      message:
        `forecasted_blocks[1] lasts 30 s (${short.start_time} to ${short.end_time}) (and 1 more blocks): ` +
        'blocks shorter than 60 s are refused (OSCP_MIN_BLOCK_S)',
    });
  });

  it('refuses blocks ending beyond the horizon with 400', () => {
    expect(forecastBoundsViolation([block(0, 1), block(60, 61)], BOUNDS, NOW)).toEqual({
      status: 400,
      message:
        `forecasted_blocks[1] ends at ${at(61)}: blocks may end at most 3600 s after now ` +
        `(${NOW.toISOString()}; OSCP_MAX_HORIZON_S)`,
    });
  });

  it('refuses blocks that ended too long ago with 400', () => {
    expect(forecastBoundsViolation([block(-12, -11)], BOUNDS, NOW)).toEqual({
      status: 400,
      message:
        `forecasted_blocks[0] ended at ${at(-11)}: blocks that ended more than 600 s before now ` +
        `(${NOW.toISOString()}) are refused (OSCP_MAX_PAST_S)`,
    });
  });

  it('leaves blocks whose times do not parse to the DTO validation', () => {
    expect(forecastBoundsViolation([{ ...block(0, 1), end_time: 'soon' }], BOUNDS, NOW)).toBeUndefined();
  });
});

describe(storedBlocksViolation.name, () => {
  it('accepts up to the limit and refuses beyond it with 413', () => {
    expect(storedBlocksViolation('g', 7, 3, 10)).toBeUndefined();
    expect(storedBlocksViolation('g', 8, 3, 10)).toEqual({
      status: 413,
      message:
        'This segment\'s 3 blocks would bring the segments held for group "g" to 11 blocks; ' +
        'at most 10 are accepted (OSCP_MAX_STORED_BLOCKS)',
    });
  });
});
