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

/**
 * Proxy mode: each connector's part of the upstream's charger maximum, so that the schedules sent to a
 * charger's connectors never take more together than it allows at any instant, whatever the bound was when
 * they were planned. `schedules` are what the connectors would be sent without it (held plan, then the tail
 * for good; an overestimate is safe); `chargerPieces` the upstream's charger-wide bound from their earliest
 * start. Wherever the connectors together would exceed the bound, each gets the bound in proportion to its
 * own schedule; elsewhere its part sets no limit. The result, per schedule, is what `clampToUpstream` takes.
 */
export function chargerBoundShares(
  schedules: readonly (readonly ProfilePeriod[])[],
  chargerPieces: readonly UpstreamBoundPiece[],
): UpstreamBoundPiece[][] {
  const shares: UpstreamBoundPiece[][] = schedules.map(() => []);
  if (chargerPieces.every((piece) => piece.limitA === null)) {
    return shares.map(() => [{ startMs: chargerPieces[0]?.startMs ?? -Infinity, limitA: null }]);
  }
  const fromMs = chargerPieces[0].startMs;
  const cursors = schedules.map((periods) => new ScheduleCursor(periods));
  const bound = new ScheduleCursor(piecesAsPeriods(chargerPieces));
  for (const atMs of cutsOf(schedules, chargerPieces, fromMs)) {
    const boundA = bound.limitAt(atMs);
    const limits = cursors.map((cursor) => cursor.limitAt(atMs) ?? 0);
    const totalA = limits.reduce((sum, limitA) => sum + limitA, 0);
    limits.forEach((limitA, index) => {
      const share = boundA === null || totalA <= boundA ? null : (limitA * boundA) / totalA;
      const last = shares[index].at(-1);
      if (!last || last.limitA !== share) shares[index].push({ startMs: atMs, limitA: share });
    });
  }
  return shares;
}

/** Every instant from `fromMs` on at which a schedule or the bound may change, ascending. */
function cutsOf(
  schedules: readonly (readonly ProfilePeriod[])[],
  pieces: readonly UpstreamBoundPiece[],
  fromMs: number,
): number[] {
  const cuts = new Set<number>([fromMs, ...pieces.map((piece) => piece.startMs)]);
  for (const periods of schedules) {
    for (const period of periods) {
      cuts.add(Date.parse(period.start));
      if (period.end !== null) cuts.add(Date.parse(period.end));
    }
  }
  return [...cuts].filter((ms) => ms >= fromMs).sort((a, b) => a - b);
}

/** The pieces as periods, each until the next starts; a piece that sets no limit is none. */
function piecesAsPeriods(pieces: readonly UpstreamBoundPiece[]): ProfilePeriod[] {
  return pieces.flatMap((piece, index) => {
    if (piece.limitA === null) return [];
    const nextMs = pieces[index + 1]?.startMs;
    const end = nextMs === undefined ? null : new Date(nextMs).toISOString();
    return [{ start: new Date(piece.startMs).toISOString(), end, limitA: piece.limitA }];
  });
}

/**
 * What a schedule sets at each of a rising series of instants, null outside it: its periods, which do not
 * overlap, are walked once for all instants, so that plans of many periods cost linear time.
 */
class ScheduleCursor {
  private readonly periods: { startMs: number; endMs: number; limitA: number }[];
  private next = 0;

  constructor(periods: readonly ProfilePeriod[]) {
    this.periods = periods
      .map((p) => ({
        startMs: Date.parse(p.start),
        endMs: p.end === null ? Infinity : Date.parse(p.end),
        limitA: p.limitA,
      }))
      .sort((a, b) => a.startMs - b.startMs);
  }

  /** @param atMs not below the instant of the previous call */
  limitAt(atMs: number): number | null {
    while (this.next < this.periods.length && this.periods[this.next].endMs <= atMs) this.next++;
    const period = this.periods[this.next];
    return period && period.startMs <= atMs ? period.limitA : null;
  }
}
