import type { StoredCapacityForecast } from './capacity-forecasts.repository';
import type { ForecastedBlock } from './oscp.types';
import { parseRfc3339DateTime } from './rfc3339';

/** Per peer, the newest forecast with a block overlapping one of `blocks`: the one in force there. */
export function latestCoveringPerPeer(
  stored: StoredCapacityForecast[],
  blocks: ForecastedBlock[],
): StoredCapacityForecast[] {
  const latest = new Map<string, StoredCapacityForecast>();
  for (const forecast of stored) {
    if (!forecast.body.forecasted_blocks.some((b) => blocks.some((o) => overlaps(b, o)))) continue;
    const known = latest.get(forecast.peerId);
    if (!known || known.receivedAt <= forecast.receivedAt) latest.set(forecast.peerId, forecast);
  }
  return [...latest.values()];
}

/** Those of `blocks` that overlap a block of the forecast: what concerns its peer. */
export function blocksOverlapping(
  forecast: StoredCapacityForecast,
  blocks: ForecastedBlock[],
): ForecastedBlock[] {
  return blocks.filter((block) => forecast.body.forecasted_blocks.some((own) => overlaps(own, block)));
}

function overlaps(a: ForecastedBlock, b: ForecastedBlock): boolean {
  const ms = (time: string) => parseRfc3339DateTime(time) ?? Date.parse(time);
  return ms(a.start_time) < ms(b.end_time) && ms(b.start_time) < ms(a.end_time);
}
