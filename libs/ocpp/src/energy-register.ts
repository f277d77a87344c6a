/** What was last counted of one connector's meter. */
export interface CountedRegister {
  /** The meter's own register at the last reading (Wh); null before the first one. */
  registerWh: number | null;
  /** Energy counted so far (Wh), never decreasing; null for a connector not counted yet. */
  countedWh: number | null;
  /** When the last reading was taken; null before the first one. */
  at: Date | null;
}

/** Headroom over the connector's maximum power before an increase is taken for a meter swap or a glitch. */
const PLAUSIBLE_POWER_MARGIN = 1.25;
/** Rounding of registers in whole Wh or kWh with decimals, and readings taken a moment apart. */
const PLAUSIBLE_SLACK_WH = 50;

/**
 * The never-resetting register a connector adds to its group (OSCP CONTINUOUS), after a reading of its
 * meter. It grows by the meter's increments only: when the register falls (the charger rebooted with its
 * register at 0, or a new meter was fitted) the count carries on from where it was and follows the new
 * register's increments from there; an increase beyond what the connector could have delivered at
 * `maxPowerW` since the last reading is not counted either. The first reading is counted whole, as the
 * sum of the registers was before counting began.
 */
export function countedEnergyWh(
  previous: CountedRegister,
  readingWh: number,
  at: Date,
  maxPowerW: number,
): number {
  const base = previous.countedWh ?? previous.registerWh;
  if (!Number.isFinite(readingWh)) return base ?? 0;
  if (base === null || previous.registerWh === null) return base ?? Math.max(0, readingWh);
  const increaseWh = readingWh - previous.registerWh;
  if (increaseWh <= 0) return base;
  return increaseWh <= plausibleWh(previous.at, at, maxPowerW) ? base + increaseWh : base;
}

/** The most a connector can have delivered between two readings, with headroom. */
function plausibleWh(from: Date | null, to: Date, maxPowerW: number): number {
  const hours = from === null ? 0 : Math.max(0, to.getTime() - from.getTime()) / 3_600_000;
  const powerW = Number.isFinite(maxPowerW) ? Math.max(0, maxPowerW) : 0;
  return powerW * hours * PLAUSIBLE_POWER_MARGIN + PLAUSIBLE_SLACK_WH;
}
