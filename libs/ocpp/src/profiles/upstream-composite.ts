import type { schema } from '@gridflex/persistence';

/** An upstream central system's profile as the composite needs it. */
export interface UpstreamProfileInput {
  /** 0: the whole charger. */
  connectorId: number;
  stackLevel: number;
  purpose: schema.UpstreamProfilePurpose;
  schedule: schema.UpstreamSchedule;
  receivedAt: Date;
  /** A TxProfile's transaction start while that transaction runs; null otherwise (the profile then applies not). */
  transactionStartedAt: Date | null;
}

/** The upstream's bound on a connector at an instant, A per phase; null where it sets none. */
export interface UpstreamBound {
  /** From the TxProfile in force, else the TxDefaultProfile in force (OCPP's composite of one connector). */
  connectorA: number | null;
  /** From the charger-wide maximum profile in force: what all the charger's connectors together may take. */
  chargerA: number | null;
}

/** The upstream's bound from `startMs` until the next piece starts. */
export interface UpstreamBoundPiece {
  startMs: number;
  /** The lower of the connector's and the charger's bound: what this connector alone may never exceed. */
  limitA: number | null;
}

/**
 * The upstream's composite on `connectorId` at `atMs`, as a charger computes it (OCPP 1.6 §3.13, 2.0.1 K01):
 * among the profiles of one purpose in force, the highest stack level wins; a TxProfile replaces the
 * TxDefaultProfile, whose connector-specific profile wins over the charger-wide one at the same stack level;
 * the charger maximum caps the charger. A limit in W is converted as the station does (2.0.1 K01.FR.49/50): over
 * the phase voltage and the period's `numberPhases`, 3 when absent.
 */
export function upstreamBoundAt(
  profiles: readonly UpstreamProfileInput[],
  connectorId: number,
  atMs: number,
  voltageV: number,
): UpstreamBound {
  const limitOf = (candidates: UpstreamProfileInput[]) => highestInForce(candidates, atMs, voltageV);
  const txA = limitOf(profiles.filter((p) => p.purpose === 'TxProfile' && p.connectorId === connectorId));
  const defaults = profiles.filter(
    (p) => p.purpose === 'TxDefaultProfile' && (p.connectorId === connectorId || p.connectorId === 0),
  );
  return {
    connectorA: txA ?? limitOf(defaults),
    chargerA: limitOf(profiles.filter((p) => p.purpose === 'ChargerMax')),
  };
}

/**
 * The upstream's bound on `connectorId` over `[fromMs, toMs)` as pieces, cut wherever one of its profiles
 * starts, changes period or ends: what the schedule sent to the charger is clamped to.
 */
export function upstreamBoundPieces(
  profiles: readonly UpstreamProfileInput[],
  connectorId: number,
  fromMs: number,
  toMs: number,
  voltageV: number,
): UpstreamBoundPiece[] {
  return piecesOf(profiles, fromMs, toMs, (atMs) => {
    const bound = upstreamBoundAt(profiles, connectorId, atMs, voltageV);
    return minOrNull(bound.connectorA, bound.chargerA);
  });
}

/**
 * The upstream's charger-wide bound (its charger maximum) over `[fromMs, toMs)` as pieces: what all the
 * charger's connectors together, and the station maximum gridflex keeps on the charger, may never exceed.
 */
export function upstreamChargerBoundPieces(
  profiles: readonly UpstreamProfileInput[],
  fromMs: number,
  toMs: number,
  voltageV: number,
): UpstreamBoundPiece[] {
  const chargerMax = profiles.filter((p) => p.purpose === 'ChargerMax');
  return piecesOf(chargerMax, fromMs, toMs, (atMs) => highestInForce(chargerMax, atMs, voltageV));
}

/** The bound `limitAt` gives, cut wherever one of the profiles starts, changes period or ends. */
function piecesOf(
  profiles: readonly UpstreamProfileInput[],
  fromMs: number,
  toMs: number,
  limitAt: (atMs: number) => number | null,
): UpstreamBoundPiece[] {
  const cuts = new Set<number>([fromMs]);
  for (const profile of profiles) {
    for (const edgeMs of edgesOf(profile)) if (edgeMs > fromMs && edgeMs < toMs) cuts.add(edgeMs);
  }
  const pieces: UpstreamBoundPiece[] = [];
  for (const startMs of [...cuts].sort((a, b) => a - b)) {
    const limitA = limitAt(startMs);
    if (pieces.length === 0 || pieces.at(-1)!.limitA !== limitA) pieces.push({ startMs, limitA });
  }
  return pieces;
}

/**
 * Every instant after `afterMs` at which one of the profiles may change the upstream's bound, ascending:
 * when planning, which took the bound at the time of the plan, should look again.
 */
export function upstreamBoundChanges(profiles: readonly UpstreamProfileInput[], afterMs: number): number[] {
  const edges = new Set(profiles.flatMap(edgesOf).filter((edgeMs) => edgeMs > afterMs));
  return [...edges].sort((a, b) => a - b);
}

function highestInForce(
  candidates: readonly UpstreamProfileInput[],
  atMs: number,
  voltageV: number,
): number | null {
  const inForce = candidates
    .map((profile) => ({ profile, limitA: limitAt(profile, atMs, voltageV) }))
    .filter((entry): entry is { profile: UpstreamProfileInput; limitA: number } => entry.limitA !== null)
    .sort(
      (a, b) =>
        b.profile.stackLevel - a.profile.stackLevel ||
        Number(b.profile.connectorId !== 0) - Number(a.profile.connectorId !== 0),
    );
  return inForce[0]?.limitA ?? null;
}

/** The profile's limit at `atMs`, A per phase, or null when it is not in force then. */
function limitAt(profile: UpstreamProfileInput, atMs: number, voltageV: number): number | null {
  const window = windowOf(profile);
  if (!window || atMs < window.fromMs || atMs >= window.toMs) return null;
  const elapsedS = (atMs - window.startMs) / 1000;
  const period = [...profile.schedule.chargingSchedulePeriod]
    .sort((a, b) => a.startPeriod - b.startPeriod)
    .filter((p) => p.startPeriod <= elapsedS)
    .at(-1);
  if (!period) return null;
  if (profile.schedule.chargingRateUnit === 'A') return period.limit;
  return period.limit / (voltageV * (period.numberPhases ?? 3));
}

/** When the schedule starts counting, and when the profile is in force; null when it cannot be (no transaction). */
function windowOf(profile: UpstreamProfileInput): { startMs: number; fromMs: number; toMs: number } | null {
  const { schedule } = profile;
  const startMs = scheduleStartMs(profile);
  if (startMs === null) return null;
  const validFromMs = schedule.validFrom === undefined ? -Infinity : Date.parse(schedule.validFrom);
  const validToMs = schedule.validTo === undefined ? Infinity : Date.parse(schedule.validTo);
  const endMs = schedule.duration === undefined ? Infinity : startMs + schedule.duration * 1000;
  return { startMs, fromMs: Math.max(startMs, validFromMs), toMs: Math.min(endMs, validToMs) };
}

function scheduleStartMs(profile: UpstreamProfileInput): number | null {
  if (profile.purpose === 'TxProfile' && profile.transactionStartedAt === null) return null;
  if (profile.schedule.kind === 'Relative') return profile.transactionStartedAt?.getTime() ?? null;
  if (profile.schedule.startSchedule !== undefined) return Date.parse(profile.schedule.startSchedule);
  return profile.receivedAt.getTime();
}

/** Every instant at which the profile's limit may change. */
function edgesOf(profile: UpstreamProfileInput): number[] {
  const window = windowOf(profile);
  if (!window) return [];
  const periodStarts = profile.schedule.chargingSchedulePeriod.map(
    (p) => window.startMs + p.startPeriod * 1000,
  );
  return [window.fromMs, window.toMs, ...periodStarts].filter(Number.isFinite);
}

function minOrNull(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
