import fc from 'fast-check';
import type { ProfilePeriod } from './profile-schedule';
import type { UpstreamBoundPiece, UpstreamProfileInput } from './upstream-composite';
import {
  ceilingUnderUpstream,
  chargerBoundShares,
  clampToUpstream,
  lowestUpstreamBoundFrom,
} from './upstream-clamp';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const piece = (minutes: number, limitA: number | null): UpstreamBoundPiece => ({
  startMs: T0 + minutes * 60_000,
  limitA,
});

/** The limit a schedule sets at `ms`, or undefined outside it. */
function limitAt(periods: readonly ProfilePeriod[], ms: number): number | undefined {
  return periods.find((p) => Date.parse(p.start) <= ms && (p.end === null || ms < Date.parse(p.end)))?.limitA;
}

function boundAt(pieces: readonly UpstreamBoundPiece[], ms: number): number | null {
  return [...pieces].reverse().find((p) => p.startMs <= ms)?.limitA ?? null;
}

describe('clampToUpstream', () => {
  it('splits the plan at the upstream’s changes, each part at the lower of the two', () => {
    const plan: ProfilePeriod[] = [
      { start: iso(0), end: iso(30), limitA: 20 },
      { start: iso(30), end: null, limitA: 8 },
    ];
    const pieces = [piece(0, null), piece(10, 12), piece(40, 6)];
    expect(clampToUpstream(plan, pieces)).toEqual([
      { start: iso(0), end: iso(10), limitA: 20 },
      { start: iso(10), end: iso(30), limitA: 12 },
      { start: iso(30), end: iso(40), limitA: 8 },
      { start: iso(40), end: null, limitA: 6 },
    ]);
  });

  it('leaves the plan as it is where the upstream sets no bound or a higher one', () => {
    const plan: ProfilePeriod[] = [{ start: iso(0), end: iso(60), limitA: 16 }];
    expect(clampToUpstream(plan, [piece(-1, null)])).toEqual(plan);
    expect(clampToUpstream(plan, [piece(-1, 32), piece(20, 25)])).toEqual(plan);
  });

  it('never exceeds either the plan or the upstream at any instant, and covers the same span', () => {
    const limits = fc.integer({ min: 0, max: 40 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), limits), { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.option(limits)), {
          minLength: 0,
          maxLength: 6,
        }),
        fc.option(limits),
        (planSteps, pieceSteps, firstBound) => {
          let minute = 0;
          const plan: ProfilePeriod[] = planSteps.map(([length, limitA], index) => {
            const start = minute;
            minute += length;
            return { start: iso(start), end: index === planSteps.length - 1 ? null : iso(minute), limitA };
          });
          let pieceMinute = 0;
          const pieces = [
            piece(0, firstBound),
            ...pieceSteps.map(([length, limitA]) => piece((pieceMinute += length), limitA)),
          ];
          const clamped = clampToUpstream(plan, pieces);
          expect(clamped[0].start).toBe(plan[0].start);
          expect(clamped.at(-1)!.end).toBeNull();
          for (let m = 0; m < minute + pieceMinute + 5; m += 0.5) {
            const ms = T0 + m * 60_000;
            const bound = boundAt(pieces, ms);
            expect(limitAt(clamped, ms)).toBe(Math.min(limitAt(plan, ms)!, bound ?? Infinity));
          }
        },
      ),
    );
  });
});

describe('lowestUpstreamBoundFrom', () => {
  it('is the lowest bound of the pieces still in force from then on', () => {
    const pieces = [piece(0, 6), piece(10, 16), piece(20, null), piece(30, 12)];
    expect(lowestUpstreamBoundFrom(pieces, T0 + 15 * 60_000)).toBe(12);
    expect(lowestUpstreamBoundFrom(pieces, T0 + 5 * 60_000)).toBe(6);
    expect(lowestUpstreamBoundFrom([piece(0, null)], T0)).toBeNull();
  });
});

describe('ceilingUnderUpstream', () => {
  const chargerMax = (
    limits: [startS: number, limitA: number][],
    extra: Partial<UpstreamProfileInput['schedule']> = {},
  ): UpstreamProfileInput => ({
    connectorId: 0,
    stackLevel: 0,
    purpose: 'ChargerMax',
    schedule: {
      kind: 'Absolute',
      startSchedule: iso(0),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: limits.map(([startPeriod, limit]) => ({ startPeriod, limit })),
      ...extra,
    },
    receivedAt: new Date(T0),
    transactionStartedAt: null,
  });

  it('lowers the station maximum to the upstream charger maximum at every instant, its tail included', () => {
    const ceiling: ProfilePeriod[] = [
      { start: iso(0), end: iso(30), limitA: 40 },
      { start: iso(30), end: null, limitA: 16 },
    ];
    const upstream = chargerMax([
      [0, 32],
      [10 * 60, 20],
      [40 * 60, 10],
    ]);
    expect(ceilingUnderUpstream(ceiling, [upstream], 230)).toEqual([
      { start: iso(0), end: iso(10), limitA: 32 },
      { start: iso(10), end: iso(30), limitA: 20 },
      { start: iso(30), end: iso(40), limitA: 16 },
      { start: iso(40), end: null, limitA: 10 },
    ]);
  });

  it('leaves the station maximum as it is where the upstream sets no charger maximum', () => {
    const ceiling: ProfilePeriod[] = [{ start: iso(0), end: null, limitA: 16 }];
    const txDefault = { ...chargerMax([[0, 6]]), purpose: 'TxDefaultProfile' as const };
    expect(ceilingUnderUpstream(ceiling, [txDefault], 230)).toEqual(ceiling);
    const ended = chargerMax([[0, 6]], { duration: 600 });
    expect(ceilingUnderUpstream(ceiling, [ended], 230)).toEqual([
      { start: iso(0), end: iso(10), limitA: 6 },
      { start: iso(10), end: null, limitA: 16 },
    ]);
  });
});

describe('chargerBoundShares', () => {
  const limits = fc.integer({ min: 0, max: 40 });
  /** A schedule from minute `startMinute`, ending open-ended as every schedule sent does. */
  const schedule = fc
    .tuple(
      fc.integer({ min: 0, max: 20 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), limits), { minLength: 1, maxLength: 5 }),
    )
    .map(([startMinute, steps]) => {
      let minute = startMinute;
      return steps.map(([length, limitA], index): ProfilePeriod => {
        const start = minute;
        minute += length;
        return { start: iso(start), end: index === steps.length - 1 ? null : iso(minute), limitA };
      });
    });
  const boundPieces = fc
    .tuple(
      fc.option(limits),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.option(limits)), { maxLength: 6 }),
    )
    .map(([first, steps]) => {
      let minute = 0;
      return [piece(0, first), ...steps.map(([length, limitA]) => piece((minute += length), limitA))];
    });

  it('keeps the connectors together within the charger-wide bound at every instant, each within its own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(schedule, boundPieces), { minLength: 1, maxLength: 4 }),
        boundPieces,
        (connectors, chargerPieces) => {
          const wanted = connectors.map(([periods]) => periods);
          const shares = chargerBoundShares(wanted, chargerPieces);
          const sent = connectors.map(([periods, own], index) =>
            clampToUpstream(clampToUpstream(periods, own), shares[index]),
          );
          for (let m = 0; m < 200; m += 0.5) {
            const ms = T0 + m * 60_000;
            const each = sent.map((periods) => limitAt(periods, ms) ?? 0);
            const bound = boundAt(chargerPieces, ms);
            const sum = each.reduce((total, limitA) => total + limitA, 0);
            if (bound !== null) expect(sum).toBeLessThanOrEqual(bound + 1e-9);
            each.forEach((limitA, index) => {
              const [periods, own] = connectors[index];
              expect(limitA).toBeLessThanOrEqual(limitAt(periods, ms) ?? 0);
              expect(limitA).toBeLessThanOrEqual(boundAt(own, ms) ?? Infinity);
            });
          }
        },
      ),
    );
  });

  it('shares a bound the connectors together exceed in proportion to their schedules, only where exceeded', () => {
    const first: ProfilePeriod[] = [{ start: iso(0), end: null, limitA: 30 }];
    const second: ProfilePeriod[] = [
      { start: iso(0), end: iso(20), limitA: 10 },
      { start: iso(20), end: null, limitA: 0 },
    ];
    const shares = chargerBoundShares([first, second], [piece(0, 50), piece(10, 20)]);
    expect(shares).toEqual([
      [piece(0, null), piece(10, 15), piece(20, 20)],
      [piece(0, null), piece(10, 5), piece(20, 0)],
    ]);
  });
});
