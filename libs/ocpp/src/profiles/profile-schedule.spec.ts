import { AbsoluteSchedule, buildAbsoluteSchedule, ProfilePeriod } from './profile-schedule';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const START_MS = NOW.getTime() - 5_000;

function at(offsetMs: number): string {
  return new Date(NOW.getTime() + offsetMs).toISOString();
}

function periodsOf(plan: ProfilePeriod[]): { startPeriod: number; limit: number }[] {
  return buildAbsoluteSchedule(plan, NOW, { phases: 3 }).chargingSchedulePeriod.map(
    ({ startPeriod, limit }) => ({ startPeriod, limit }),
  );
}

function planLimitAt(plan: ProfilePeriod[], ms: number): number | undefined {
  return plan.find((period, index) => {
    const from = index === 0 ? -Infinity : Date.parse(period.start);
    return from <= ms && (period.end === null || Date.parse(period.end) > ms);
  })?.limitA;
}

function scheduleLimitAt(schedule: AbsoluteSchedule, ms: number): number {
  const offsetS = (ms - Date.parse(schedule.startSchedule)) / 1000;
  return schedule.chargingSchedulePeriod.filter((period) => period.startPeriod <= offsetS).at(-1)!.limit;
}

describe('buildAbsoluteSchedule: plan instants with milliseconds', () => {
  it('starts a lowering at the floor of its instant to the second', () => {
    const plan = [
      { start: at(0), end: at(60_144), limitA: 16 },
      { start: at(60_144), end: null, limitA: 8 },
    ];
    expect(periodsOf(plan)).toEqual([
      { startPeriod: 0, limit: 16 },
      { startPeriod: 65, limit: 8 },
    ]);
  });

  it('starts a raise at the ceiling of its instant to the second', () => {
    const plan = [
      { start: at(0), end: at(60_144), limitA: 8 },
      { start: at(60_144), end: null, limitA: 16 },
    ];
    expect(periodsOf(plan)).toEqual([
      { startPeriod: 0, limit: 8 },
      { startPeriod: 66, limit: 16 },
    ]);
  });

  it('keeps whole-second instants where they are', () => {
    const plan = [
      { start: at(0), end: at(60_000), limitA: 8 },
      { start: at(60_000), end: at(120_000), limitA: 16 },
      { start: at(120_000), end: null, limitA: 10 },
    ];
    expect(periodsOf(plan)).toEqual([
      { startPeriod: 0, limit: 8 },
      { startPeriod: 65, limit: 16 },
      { startPeriod: 125, limit: 10 },
    ]);
  });

  it('gives a second with a raise and a lowering in it the lowest limit in force during it', () => {
    const plan = [
      { start: at(0), end: at(10_300), limitA: 10 },
      { start: at(10_300), end: at(10_600), limitA: 20 },
      { start: at(10_600), end: null, limitA: 15 },
    ];
    expect(periodsOf(plan)).toEqual([
      { startPeriod: 0, limit: 10 },
      { startPeriod: 16, limit: 15 },
    ]);
  });

  it('never lets the charger above the plan at any millisecond', () => {
    const plan = [
      { start: at(0), end: at(3_144), limitA: 32 },
      { start: at(3_144), end: at(7_856), limitA: 12.5 },
      { start: at(7_856), end: at(8_001), limitA: 6 },
      { start: at(8_001), end: at(8_999), limitA: 25 },
      { start: at(8_999), end: at(12_500), limitA: 7 },
      { start: at(12_500), end: null, limitA: 18 },
    ];
    const schedule = buildAbsoluteSchedule(plan, NOW, { phases: 3 });
    expect(Date.parse(schedule.startSchedule)).toBe(START_MS);
    const above: number[] = [];
    for (let ms = START_MS; ms < NOW.getTime() + 20_000; ms += 1) {
      if (scheduleLimitAt(schedule, ms) > planLimitAt(plan, ms)!) above.push(ms - NOW.getTime());
    }
    expect(above).toEqual([]);
  });
});

describe('buildAbsoluteSchedule of a long plan', () => {
  it('converts 10,000 periods with milliseconds (once infeasible: each second searched every period)', () => {
    const PERIODS = 10_000;
    const limitOf = (i: number) => (i % 2 === 0 ? 16 : 10);
    const plan: ProfilePeriod[] = Array.from({ length: PERIODS }, (_, i) => ({
      start: at(i === 0 ? 0 : i * 60_000 + 500),
      end: i === PERIODS - 1 ? null : at((i + 1) * 60_000 + 500),
      limitA: limitOf(i),
    }));

    // Lowerings (to 10 A) start at the floor of their second, raises (to 16 A) at its ceiling.
    const expected = plan.map((_, i) => ({
      startPeriod: i === 0 ? 0 : 5 + i * 60 + (limitOf(i) === 16 ? 1 : 0),
      limit: limitOf(i),
    }));
    expect(periodsOf(plan)).toEqual(expected);
  });
});
