import type { ProfilePeriod } from './profile-schedule';
import { UpstreamBoundPiece, upstreamChargerBoundPieces, UpstreamProfileInput } from './upstream-composite';

/**
 * The plan as the charger may follow it under the upstream central system's profiles (proxy mode): every
 * period split where the upstream's bound changes, each part at the lower of the two, so that the schedule
 * sent never exceeds the upstream's profile at any instant while grid limits still win where lower.
 * `pieces` are sorted and the first starts no later than the plan (`upstreamBoundPieces` from its start).
 */
export function clampToUpstream(
  periods: readonly ProfilePeriod[],
  pieces: readonly UpstreamBoundPiece[],
): ProfilePeriod[] {
  if (pieces.every((piece) => piece.limitA === null)) return [...periods];
  return mergeEqualNeighbours(periods.flatMap((period) => clampPeriod(period, pieces)));
}

/**
 * The lowest bound the upstream sets from `fromMs` on: what the conservative tail after the plan's last
 * period, which the charger holds for good, must stay under. Null when it sets none.
 */
export function lowestUpstreamBoundFrom(
  pieces: readonly UpstreamBoundPiece[],
  fromMs: number,
): number | null {
  const limits = pieces
    .filter((piece, index) => (pieces[index + 1]?.startMs ?? Infinity) > fromMs)
    .flatMap((piece) => (piece.limitA === null ? [] : [piece.limitA]));
  return limits.length === 0 ? null : Math.min(...limits);
}

function clampPeriod(period: ProfilePeriod, pieces: readonly UpstreamBoundPiece[]): ProfilePeriod[] {
  const startMs = Date.parse(period.start);
  const endMs = period.end === null ? Infinity : Date.parse(period.end);
  const parts: ProfilePeriod[] = [];
  pieces.forEach((piece, index) => {
    const fromMs = Math.max(startMs, piece.startMs);
    const toMs = Math.min(endMs, pieces[index + 1]?.startMs ?? Infinity);
    if (fromMs >= toMs) return;
    parts.push({
      start: fromMs === startMs ? period.start : new Date(fromMs).toISOString(),
      end: toMs === endMs ? period.end : new Date(toMs).toISOString(),
      limitA: piece.limitA === null ? period.limitA : Math.min(period.limitA, piece.limitA),
    });
  });
  return parts;
}

function mergeEqualNeighbours(periods: ProfilePeriod[]): ProfilePeriod[] {
  const merged: ProfilePeriod[] = [];
  for (const period of periods) {
    const last = merged.at(-1);
    if (last && last.limitA === period.limitA && last.end === period.start) last.end = period.end;
    else merged.push({ ...period });
  }
  return merged;
}

/**
 * Proxy mode: the station maximum gridflex keeps on the charger (its fail-safe ceiling) within the upstream's
 * charger maximum at every instant, so that a charger whose connector profiles expire, or that loses us,
 * still never takes more than the upstream allows. Where the upstream sets no charger maximum it is unchanged.
 */
export function ceilingUnderUpstream(
  ceiling: readonly ProfilePeriod[],
  profiles: readonly UpstreamProfileInput[],
  voltageV: number,
): ProfilePeriod[] {
  if (ceiling.length === 0) return [...ceiling];
  const pieces = upstreamChargerBoundPieces(profiles, Date.parse(ceiling[0].start), Infinity, voltageV);
  return clampToUpstream(ceiling, pieces);
}
