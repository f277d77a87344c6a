import type { OcppProtocol } from '../charger-session';

/** How far apart a composite and our own limit may be: the builder rounds down to 0.1 A. */
const TOLERANCE = { A: 0.1, W: 10 } as const;
/** How far the charger's clock may be from ours before its composite no longer covers an instant. */
const CLOCK_SLACK_S = 5;
/** How much of the schedule is read back. */
export const VERIFIED_SPAN_S = 3600;

interface Schedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: { startPeriod: number; limit: number }[];
}

/**
 * `unverifiable`: the charger accepted the request but its answer cannot prove what it applies (no schedule,
 * no periods, a schedule that does not cover an instant we planned, a unit we did not ask for).
 */
export type CompositeResult = 'match' | 'mismatch' | 'failed' | 'unverifiable';

export interface CompositeVerdict {
  verdict: CompositeResult;
  detail: string;
}

/** The GetCompositeSchedule request for what a SetChargingProfile sent, in its unit. */
export function compositeScheduleRequest(protocol: OcppProtocol, sent: object): object {
  const { connectorId, schedule } = sentSchedule(sent);
  const common = { duration: VERIFIED_SPAN_S, chargingRateUnit: schedule.chargingRateUnit };
  return protocol === 'ocpp2.0.1' ? { evseId: connectorId, ...common } : { connectorId, ...common };
}

/**
 * Compares what the charger says it will apply with what we sent, at now and at each of our period starts
 * within the span read back. The composite may be lower than our profile where the station maximum we
 * sent (`stationMaxA`, per phase, when the charger accepted it) is lower, never higher.
 */
export function checkComposite(
  sent: object,
  answer: unknown,
  stationMaxA: number | null,
  now: Date,
): CompositeVerdict {
  const { status, schedule: composite } = compositeOf(answer);
  if (status !== 'Accepted') return { verdict: 'failed', detail: `Charger answered ${status}` };
  const { schedule: ours } = sentSchedule(sent);
  const unusable = unusableComposite(composite, ours.chargingRateUnit);
  if (unusable !== null || !composite) return { verdict: 'unverifiable', detail: unusable ?? 'No schedule' };
  const unit = ours.chargingRateUnit;
  const floorCap = unit === 'A' && stationMaxA !== null ? stationMaxA : Infinity;
  for (const at of instantsToCheck(ours, now)) {
    const intended = limitAt(ours, at);
    if (intended === undefined) continue;
    const applied = limitAt(composite, at, CLOCK_SLACK_S);
    if (applied === undefined) {
      return { verdict: 'unverifiable', detail: `Composite schedule does not cover ${at.toISOString()}` };
    }
    const lowest = Math.min(intended, floorCap);
    if (applied > intended + TOLERANCE[unit] || applied < lowest - TOLERANCE[unit]) {
      const expected = lowest === intended ? `${intended}` : `${lowest}–${intended}`;
      return {
        verdict: 'mismatch',
        detail: `At ${at.toISOString()} the charger applies ${applied} ${unit}, expected ${expected} ${unit}`,
      };
    }
  }
  return { verdict: 'match', detail: 'Composite schedule as intended' };
}

/** Why a composite cannot be compared with what we sent, or null when it can. */
function unusableComposite(composite: Schedule | null, asked: Schedule['chargingRateUnit']): string | null {
  if (!composite) return 'Charger accepted but returned no schedule';
  if (composite.chargingRateUnit !== asked) {
    return `Composite in ${String(composite.chargingRateUnit)}, asked ${asked}`;
  }
  const periods = composite.chargingSchedulePeriod;
  if (!Array.isArray(periods) || periods.length === 0) return 'Composite schedule has no periods';
  if (Number.isNaN(Date.parse(composite.startSchedule ?? '')))
    return 'Composite schedule has no usable start';
  if (periods.some((period) => !Number.isFinite(period.limit) || !Number.isFinite(period.startPeriod))) {
    return 'Composite schedule has a period without a numeric limit';
  }
  return null;
}

/** The connector (EVSE) and schedule of a SetChargingProfile request we sent, in either version. */
export function sentSchedule(sent: object): { connectorId: number; schedule: Schedule } {
  if ('evseId' in sent) {
    const payload = sent as { evseId: number; chargingProfile: { chargingSchedule: Schedule[] } };
    return { connectorId: payload.evseId, schedule: payload.chargingProfile.chargingSchedule[0] };
  }
  const payload = sent as { connectorId: number; csChargingProfiles: { chargingSchedule: Schedule } };
  return { connectorId: payload.connectorId, schedule: payload.csChargingProfiles.chargingSchedule };
}

/** 1.6 puts the schedule beside `scheduleStart`; 2.0.1 nests both in `schedule`. */
function compositeOf(answer: unknown): { status: string; schedule: Schedule | null } {
  const body = answer as {
    status: string;
    scheduleStart?: string;
    chargingSchedule?: Omit<Schedule, 'startSchedule'>;
    schedule?: Omit<Schedule, 'startSchedule'> & { scheduleStart: string };
  };
  if (body.schedule)
    return {
      status: body.status,
      schedule: { ...body.schedule, startSchedule: body.schedule.scheduleStart },
    };
  if (body.chargingSchedule && body.scheduleStart) {
    return { status: body.status, schedule: { ...body.chargingSchedule, startSchedule: body.scheduleStart } };
  }
  return { status: body.status, schedule: null };
}

function instantsToCheck(schedule: Schedule, now: Date): Date[] {
  const start = Date.parse(schedule.startSchedule ?? now.toISOString());
  const end = now.getTime() + VERIFIED_SPAN_S * 1000;
  const starts = schedule.chargingSchedulePeriod
    .map((period) => start + period.startPeriod * 1000 + 1000)
    .filter((t) => t > now.getTime() && t < end);
  return [now, ...starts.map((t) => new Date(t))];
}

/**
 * The limit in force at `at`; undefined before the schedule starts or after its duration, if it has one, by
 * more than `slackS`.
 */
function limitAt(schedule: Schedule, at: Date, slackS = 0): number | undefined {
  const rawOffsetS = (at.getTime() - Date.parse(schedule.startSchedule ?? at.toISOString())) / 1000;
  if (schedule.duration !== undefined && rawOffsetS >= schedule.duration + slackS) return undefined;
  const offsetS = rawOffsetS < 0 && rawOffsetS >= -slackS ? 0 : rawOffsetS;
  return schedule.chargingSchedulePeriod.filter((period) => period.startPeriod <= offsetS).at(-1)?.limit;
}
