import type { ChargerSession } from './charger-session';
import { evChargingNeeds201, evChargingNeedsOfDataTransfer } from './ev-charging-needs';

const SESSION: ChargerSession = { chargerId: 'c-1', identity: 'CS-1', siteId: 's-1', protocol: 'ocpp2.0.1' };
const NOW = new Date('2026-03-01T12:00:00Z');
const WHO = { chargerId: 'c-1', identity: 'CS-1', siteId: 's-1' };

describe("an EV's charging needs", () => {
  it('reads the AC needs of ISO 15118: energy, departure, currents per phase and phases', () => {
    const needs = evChargingNeeds201(
      SESSION,
      {
        evseId: 2,
        chargingNeeds: {
          requestedEnergyTransfer: 'AC_single_phase',
          departureTime: '2026-03-01T16:00:00Z',
          acChargingParameters: {
            energyAmount: 20_000,
            evMinCurrent: 8,
            evMaxCurrent: 13,
            evMaxVoltage: 250,
          },
        },
      },
      NOW,
    );
    expect(needs).toEqual({
      ...WHO,
      connectorId: 2,
      departureAt: new Date('2026-03-01T16:00:00Z'),
      energyWantedWh: 20_000,
      minCurrentA: 8,
      maxCurrentA: 13,
      maxPowerW: null,
      phases: 1,
    });
  });

  it("reads the DC needs: power, and the energy its battery lacks when it tells none; DC currents are not the grid's", () => {
    const needs = evChargingNeeds201(
      SESSION,
      {
        evseId: 1,
        chargingNeeds: {
          requestedEnergyTransfer: 'DC',
          dcChargingParameters: {
            evMaxCurrent: 300,
            evMaxVoltage: 800,
            evMaxPower: 50_000,
            stateOfCharge: 30,
            evEnergyCapacity: 60_000,
            fullSoC: 80,
          },
        },
      },
      NOW,
    );
    expect(needs).toMatchObject({
      energyWantedWh: 30_000,
      maxCurrentA: null,
      maxPowerW: 50_000,
      phases: null,
      socPercent: 30,
    });
    expect(needs.departureAt).toBeNull();
  });

  it('ignores a departure already past', () => {
    const needs = evChargingNeeds201(
      SESSION,
      {
        evseId: 1,
        chargingNeeds: {
          requestedEnergyTransfer: 'AC_three_phase',
          departureTime: '2026-03-01T11:59:00Z',
          acChargingParameters: { energyAmount: 5_000, evMinCurrent: 6, evMaxCurrent: 32, evMaxVoltage: 400 },
        },
      },
      NOW,
    );
    expect(needs).toMatchObject({ departureAt: null, energyWantedWh: 5_000, phases: 3 });
  });

  it('reads the org.gridflex ChargingNeeds DataTransfer of a 1.6 charger, as a JSON text or object', () => {
    const data = {
      connectorId: 1,
      departureTime: '2026-03-01T18:00:00Z',
      energyAmountWh: 12_000,
      maxCurrentA: 10,
    };
    const expected = {
      ...WHO,
      connectorId: 1,
      departureAt: new Date('2026-03-01T18:00:00Z'),
      energyWantedWh: 12_000,
      minCurrentA: null,
      maxCurrentA: 10,
      maxPowerW: null,
      phases: null,
    };
    expect(evChargingNeedsOfDataTransfer(SESSION, JSON.stringify(data), NOW)).toEqual(expected);
    expect(evChargingNeedsOfDataTransfer(SESSION, data, NOW)).toEqual(expected);
    expect(evChargingNeedsOfDataTransfer(SESSION, { ...data, socPercent: 55.5 }, NOW)).toEqual({
      ...expected,
      socPercent: 55.5,
    });
  });

  it.each([
    ['not JSON', 'data must be a JSON object'],
    ['[1]', 'data must be a JSON object'],
    ['{"energyAmountWh":1000}', 'connectorId must be an integer of 1 or more'],
    ['{"connectorId":1,"departureTime":"tomorrow"}', 'departureTime must be an ISO 8601 instant'],
    ['{"connectorId":1,"energyAmountWh":-5}', 'energyAmountWh must be a number of 0 or more'],
    ['{"connectorId":1,"phases":4}', 'phases must be 1, 2 or 3'],
    ['{"connectorId":1,"socPercent":101}', 'socPercent must be a number from 0 to 100'],
  ])('refuses the DataTransfer data %s: %s', (data, reason) => {
    expect(evChargingNeedsOfDataTransfer(SESSION, data, NOW)).toBe(reason);
  });
});
