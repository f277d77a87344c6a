import type { MeasurementConfiguration } from './oscp.types';

/** What the meters of one connector in a group last told us (OCPP MeterValues). */
export interface ConnectorReading {
  /** `identity/connectorId`: the asset id we report. */
  assetId: string;
  energyRegisterWh: number | null;
  /**
   * The connector's never-resetting register (Wh): its meter's increments across resets and meter swaps;
   * the meter's own register where it was never counted.
   */
  countedEnergyWh?: number | null;
  powerW: number | null;
  measuredAt: Date | null;
  /** The open session on the connector, if any. */
  session: { meterStartWh: number; startedAt: Date } | null;
}

export interface EnergyMeasurement {
  value: number;
  phase: 'ALL';
  unit: 'WH';
  direction: 'IMPORT';
  energy_type: 'FLEXIBLE';
  measure_time: string;
  initial_measure_time?: string;
}

export interface AssetMeasurement {
  asset_id: string;
  asset_category: 'CHARGING';
  energy_measurement?: EnergyMeasurement;
  instantaneous_measurement?: { value: number; phase: 'ALL'; unit: 'W'; measure_time: string };
}

/**
 * CONTINUOUS unless the peer asked for INTERMITTENT alone: a never-resetting register is what most
 * Capacity Providers check compliance against.
 */
export function measurementStyle(asked: readonly MeasurementConfiguration[]): MeasurementConfiguration {
  return asked.length > 0 && asked.every((style) => style === 'INTERMITTENT') ? 'INTERMITTENT' : 'CONTINUOUS';
}

/**
 * UpdateGroupMeasurements `measurements`. CONTINUOUS: one reading, the sum of the connectors' energy
 * registers. INTERMITTENT: one reading per open session, the energy since its start, with the start as
 * `initial_measure_time`. Never empty (the schema wants at least one): a zero reading when nothing is there.
 */
export function groupMeasurements(
  readings: ConnectorReading[],
  style: MeasurementConfiguration,
  now: Date,
): EnergyMeasurement[] {
  const measured = readings.filter((r) => r.energyRegisterWh !== null);
  if (style === 'CONTINUOUS') {
    const counted = readings.filter((r) => continuousWh(r) !== null);
    const value = sum(counted.map((r) => continuousWh(r) as number));
    return [energy(value, latest(counted) ?? now)];
  }
  const sessions = measured.filter((r) => r.session !== null);
  if (sessions.length === 0) return [{ ...energy(0, now), initial_measure_time: now.toISOString() }];
  return sessions.map((r) => ({
    ...energy(Math.max(0, (r.energyRegisterWh as number) - r.session!.meterStartWh), r.measuredAt ?? now),
    initial_measure_time: r.session!.startedAt.toISOString(),
  }));
}

/** UpdateAssetMeasurements `measurements`: one CHARGING asset per connector, never empty. */
export function assetMeasurements(readings: ConnectorReading[], now: Date): AssetMeasurement[] {
  return readings.map((r) => {
    const time = (r.measuredAt ?? now).toISOString();
    return {
      asset_id: r.assetId,
      asset_category: 'CHARGING',
      ...(continuousWh(r) !== null && {
        energy_measurement: energy(continuousWh(r) as number, r.measuredAt ?? now),
      }),
      ...(r.powerW !== null && {
        instantaneous_measurement: { value: r.powerW, phase: 'ALL', unit: 'W', measure_time: time },
      }),
    };
  });
}

/**
 * UpdateAssetMeasurements `measurements` for peers that want the group as one aggregated asset (Vector):
 * one CHARGING asset named `assetId`, the sum of the connectors' registers and of their power, at the
 * latest reading. A part without any reading of a kind is left out, as for a single connector.
 */
export function combinedAssetMeasurement(
  readings: ConnectorReading[],
  assetId: string,
  now: Date,
): AssetMeasurement[] {
  const withEnergy = readings.filter((r) => continuousWh(r) !== null);
  const withPower = readings.filter((r) => r.powerW !== null);
  const at = latest(readings) ?? now;
  return [
    {
      asset_id: assetId,
      asset_category: 'CHARGING',
      ...(withEnergy.length > 0 && {
        energy_measurement: energy(sum(withEnergy.map((r) => continuousWh(r) as number)), at),
      }),
      ...(withPower.length > 0 && {
        instantaneous_measurement: {
          value: sum(withPower.map((r) => r.powerW as number)),
          phase: 'ALL',
          unit: 'W',
          measure_time: at.toISOString(),
        },
      }),
    },
  ];
}

/** A register the DSO may check compliance against: it never goes back, so the counted one where there is one. */
function continuousWh(reading: ConnectorReading): number | null {
  return reading.countedEnergyWh ?? reading.energyRegisterWh;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function energy(value: number, at: Date): EnergyMeasurement {
  return {
    value,
    phase: 'ALL',
    unit: 'WH',
    direction: 'IMPORT',
    energy_type: 'FLEXIBLE',
    measure_time: at.toISOString(),
  };
}

function latest(readings: ConnectorReading[]): Date | undefined {
  const times = readings.flatMap((r) => (r.measuredAt ? [r.measuredAt.getTime()] : []));
  return times.length > 0 ? new Date(Math.max(...times)) : undefined;
}
