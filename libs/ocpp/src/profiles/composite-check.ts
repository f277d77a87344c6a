import type { OcppProtocol } from '../charger-session';

/** How far apart a composite and our own limit may be: the builder rounds down to 0.1 A. */
const TOLERANCE = { A: 0.1, W: 10 } as const;
/** How much of the schedule is read back. */
export const VERIFIED_SPAN_S = 3600;

interface Schedule {
  startSchedule?: string;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: { startPeriod: number; limit: number }[];
}

export interface CompositeVerdict {
  verdict: 'match' | 'mismatch' | 'failed';
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
  if (status !== 'Accepted' || !composite) return { verdict: 'failed', detail: `Charger answered ${status}` };
  const { schedule: ours } = sentSchedule(sent);
  if (composite.chargingRateUnit !== ours.chargingRateUnit) {
    return {
      verdict: 'failed',
      detail: `Composite in ${composite.chargingRateUnit}, asked ${ours.chargingRateUnit}`,
    };
  }
  const unit = ours.chargingRateUnit;
  const floorCap = unit === 'A' && stationMaxA !== null ? stationMaxA : Infinity;
  for (const at of instantsToCheck(ours, now)) {
    const intended = limitAt(ours, at);
    const applied = limitAt(composite, at);
    if (intended === undefined || applied === undefined) continue;
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

function limitAt(schedule: Schedule, at: Date): number | undefined {
  const offsetS = (at.getTime() - Date.parse(schedule.startSchedule ?? at.toISOString())) / 1000;
  return schedule.chargingSchedulePeriod.filter((period) => period.startPeriod <= offsetS).at(-1)?.limit;
}
