import type { EvChargingNeeds } from '@gridflex/ocpp';
import type { SessionPreferencesRow } from '@gridflex/sites';
import { evLimits, evWishChange } from './ev-wish';

const NEEDS: EvChargingNeeds = {
  chargerId: 'c-1',
  identity: 'CS-1',
  siteId: 's-1',
  connectorId: 1,
  departureAt: new Date('2026-03-01T16:00:00Z'),
  energyWantedWh: 20_000,
  minCurrentA: 8,
  maxCurrentA: 13,
  maxPowerW: null,
  phases: 1,
};
const LIMITS = { evMinCurrentA: 8, evMaxCurrentA: 13, evMaxPowerW: null, evPhases: 1 };

function row(fields: Partial<SessionPreferencesRow>): SessionPreferencesRow {
  return {
    transactionId: 7,
    priority: null,
    energyWantedWh: null,
    departureAt: null,
    updatedBy: 'admin',
    updatedAt: new Date('2026-03-01T10:00:00Z'),
    source: 'api',
    evMinCurrentA: null,
    evMaxCurrentA: null,
    evMaxPowerW: null,
    evPhases: null,
    ...fields,
  };
}

describe("the EV's wish", () => {
  it("becomes the session's wish when nobody told one, or only a priority", () => {
    const expected = {
      ...LIMITS,
      energyWantedWh: 20_000,
      departureAt: NEEDS.departureAt,
      source: 'ev',
      updatedBy: 'EV on CS-1 connector 1',
    };
    expect(evWishChange(undefined, NEEDS)).toEqual(expected);
    expect(evWishChange(row({ priority: 3 }), NEEDS)).toEqual(expected);
    expect(evWishChange(row({ source: 'ev', energyWantedWh: 1_000 }), NEEDS)).toEqual(expected);
  });

  it('leaves the energy and departure an operator or a booking told, and adds only its limits', () => {
    for (const source of ['api', 'booking'] as const) {
      const told = row({ source, energyWantedWh: 5_000, updatedBy: 'booking b-1 by ops' });
      expect(evWishChange(told, NEEDS)).toEqual({ ...LIMITS, updatedBy: 'booking b-1 by ops' });
    }
  });
});

describe("the EV's limits in planning", () => {
  const connector = { maxCurrentA: 32, phases: 3 };
  const none = { evMinCurrentA: null, evMaxCurrentA: null, evMaxPowerW: null, evPhases: null };

  it('changes nothing when the EV told no limit', () => {
    expect(evLimits(connector, none, null, 230)).toBeUndefined();
  });

  it("bounds the connector by the EV's maximum, raises its minimum and draws on the EV's phases", () => {
    expect(evLimits(connector, LIMITS, null, 230)).toEqual({
      maxCurrentA: 13,
      minCurrentA: 8,
      phasesInUse: 1,
    });
  });

  it('keeps the higher configured minimum, and never a minimum above the maximum', () => {
    expect(evLimits({ ...connector, minCurrentA: 10 }, LIMITS, null, 230)).toMatchObject({ minCurrentA: 10 });
    expect(evLimits(connector, { ...none, evMaxCurrentA: 4 }, null, 230)).toEqual({
      maxCurrentA: 4,
      minCurrentA: 4,
    });
  });

  it('never plans a negative current, whatever the EV says', () => {
    expect(evLimits(connector, { ...none, evMaxCurrentA: -3, evMinCurrentA: -1 }, null, 230)).toEqual({
      maxCurrentA: 0,
      minCurrentA: 0,
    });
  });

  it('turns a DC power limit into A per phase with the voltage, on the phases the EV is learnt to draw on', () => {
    expect(evLimits(connector, { ...none, evMaxPowerW: 11_040 }, null, 230)).toEqual({
      maxCurrentA: 16,
      minCurrentA: 6,
    });
    expect(evLimits(connector, { ...none, evMaxPowerW: 2_300 }, 1, 230)).toEqual({
      maxCurrentA: 10,
      minCurrentA: 6,
      phasesInUse: 1,
    });
  });
});
