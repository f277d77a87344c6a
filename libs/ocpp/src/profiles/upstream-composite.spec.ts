import type { schema } from '@gridflex/persistence';
import {
  upstreamBoundAt,
  upstreamBoundChanges,
  upstreamBoundPieces,
  upstreamChargerBoundPieces,
  UpstreamProfileInput,
} from './upstream-composite';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const at = (minutes: number) => T0 + minutes * 60_000;
const iso = (minutes: number) => new Date(at(minutes)).toISOString();

function profile(
  purpose: schema.UpstreamProfilePurpose,
  connectorId: number,
  stackLevel: number,
  periods: [startMinute: number, limit: number][],
  schedule: Partial<schema.UpstreamSchedule> = {},
  transactionStartedAt: Date | null = null,
): UpstreamProfileInput {
  return {
    connectorId,
    stackLevel,
    purpose,
    receivedAt: new Date(at(0)),
    transactionStartedAt,
    schedule: {
      kind: 'Absolute',
      startSchedule: iso(0),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: periods.map(([minute, limit]) => ({ startPeriod: minute * 60, limit })),
      ...schedule,
    },
  };
}

describe('upstreamBoundAt', () => {
  it('takes the highest stack level in force, a TxProfile over any TxDefaultProfile', () => {
    const running = new Date(at(-10));
    const profiles = [
      profile('TxDefaultProfile', 0, 1, [[0, 16]]),
      profile('TxDefaultProfile', 0, 2, [[0, 12]], { duration: 600 }),
      profile('TxProfile', 1, 0, [[30, 20]], {}, running),
    ];
    // Stack level 2 for its 10 minutes, then level 1; the TxProfile only from its first period on.
    expect(upstreamBoundAt(profiles, 1, at(5), 230)).toEqual({ connectorA: 12, chargerA: null });
    expect(upstreamBoundAt(profiles, 1, at(15), 230)).toEqual({ connectorA: 16, chargerA: null });
    expect(upstreamBoundAt(profiles, 1, at(31), 230)).toEqual({ connectorA: 20, chargerA: null });
    // Another connector has no TxProfile: the charger-wide default applies.
    expect(upstreamBoundAt(profiles, 2, at(31), 230).connectorA).toBe(16);
  });

  it('prefers the connector’s own default at the same stack level, and ignores a TxProfile without transaction', () => {
    const profiles = [
      profile('TxDefaultProfile', 0, 1, [[0, 16]]),
      profile('TxDefaultProfile', 1, 1, [[0, 10]]),
      profile('TxProfile', 1, 9, [[0, 6]], {}, null),
    ];
    expect(upstreamBoundAt(profiles, 1, at(1), 230).connectorA).toBe(10);
    expect(upstreamBoundAt(profiles, 2, at(1), 230).connectorA).toBe(16);
  });

  it('counts a relative TxProfile from its transaction start and honours validFrom/validTo', () => {
    const relative = profile(
      'TxProfile',
      1,
      0,
      [
        [0, 8],
        [60, 24],
      ],
      { kind: 'Relative', startSchedule: undefined },
      new Date(at(-30)),
    );
    expect(upstreamBoundAt([relative], 1, at(0), 230).connectorA).toBe(8);
    expect(upstreamBoundAt([relative], 1, at(31), 230).connectorA).toBe(24);
    const later = profile('ChargerMax', 0, 0, [[0, 40]], { validFrom: iso(10), validTo: iso(20) });
    expect(upstreamBoundAt([later], 1, at(5), 230).chargerA).toBeNull();
    expect(upstreamBoundAt([later], 1, at(15), 230).chargerA).toBe(40);
    expect(upstreamBoundAt([later], 1, at(20), 230).chargerA).toBeNull();
  });

  it('converts W over the voltage and numberPhases, 3 when absent', () => {
    const watts = profile('TxDefaultProfile', 1, 0, [[0, 11_040]], { chargingRateUnit: 'W' });
    expect(upstreamBoundAt([watts], 1, at(1), 230).connectorA).toBe(16);
    watts.schedule.chargingSchedulePeriod[0].numberPhases = 1;
    expect(upstreamBoundAt([watts], 1, at(1), 230).connectorA).toBe(48);
  });

  it('starts an absolute schedule without startSchedule when it was received', () => {
    const unanchored = profile('TxDefaultProfile', 1, 0, [[0, 10]], {
      startSchedule: undefined,
      duration: 60,
    });
    expect(upstreamBoundAt([unanchored], 1, at(0.5), 230).connectorA).toBe(10);
    expect(upstreamBoundAt([unanchored], 1, at(2), 230).connectorA).toBeNull();
  });
});

describe('upstreamBoundPieces', () => {
  it('cuts where a profile starts, changes period or ends, each piece the lower of connector and charger', () => {
    const profiles = [
      profile('TxDefaultProfile', 1, 0, [
        [0, 16],
        [30, 10],
      ]),
      profile('ChargerMax', 0, 0, [[0, 12]], { startSchedule: iso(10), duration: 600 }),
    ];
    expect(upstreamBoundPieces(profiles, 1, at(-5), Infinity, 230)).toEqual([
      { startMs: at(-5), limitA: null },
      { startMs: at(0), limitA: 16 },
      { startMs: at(10), limitA: 12 },
      { startMs: at(20), limitA: 16 },
      { startMs: at(30), limitA: 10 },
    ]);
  });
});

describe('upstreamChargerBoundPieces', () => {
  it('follows the charger maximum alone, cut where it changes, whatever the connectors’ profiles', () => {
    const profiles = [
      profile('ChargerMax', 0, 0, [[0, 40]]),
      profile('ChargerMax', 0, 1, [[10, 24]], { duration: 1800 }),
      profile('TxDefaultProfile', 0, 5, [[0, 6]]),
    ];
    // The level-1 maximum counts from its 10th minute, for the rest of its 30 minutes.
    expect(upstreamChargerBoundPieces(profiles, at(0), Infinity, 230)).toEqual([
      { startMs: at(0), limitA: 40 },
      { startMs: at(10), limitA: 24 },
      { startMs: at(30), limitA: 40 },
    ]);
    expect(upstreamChargerBoundPieces([profiles[2]], at(0), Infinity, 230)).toEqual([
      { startMs: at(0), limitA: null },
    ]);
  });
});

describe('upstreamBoundChanges', () => {
  it('lists every later instant at which a profile starts, changes period or ends, once and in order', () => {
    const profiles = [
      profile('ChargerMax', 0, 0, [
        [0, 40],
        [20, 30],
      ]),
      profile('TxDefaultProfile', 1, 0, [[5, 16]], { duration: 1200, validTo: iso(60) }),
      profile('TxProfile', 1, 0, [[0, 10]], {}, null),
    ];
    // The TxProfile without a running transaction never applies, so never changes anything.
    expect(upstreamBoundChanges(profiles, at(1))).toEqual([at(5), at(20)]);
    expect(upstreamBoundChanges(profiles, at(20))).toEqual([]);
  });
});
