import { randomBytes } from 'node:crypto';
import { SimulatedDso, type SimulatedForecastBlock } from '../dso/simulated-dso';
import type { GridSafetyChecker } from '../safety/grid-safety-checker';
import { seededRandom, type Random } from './seeded-random';
import type { SoakGroup, SoakScenario } from './soak-scenario';

const SIMULATED_HOUR_MS = 3_600_000;
const HOURS_PER_DAY = 24;
const EMERGENCY_SIMULATED_MS = 10 * 60_000;

/** The admin API calls the DSO needs: create its peer. */
export type AdminCall = <T>(method: 'GET' | 'POST', path: string, body?: object) => Promise<T>;

/** A DSO message due at a real offset from the start of the run. */
interface DueMessage {
  atMs: number;
  groupId: string;
  type: 'CONSUMPTION' | 'FALLBACK_CONSUMPTION';
  blocks: SimulatedForecastBlock[];
  label: 'day-ahead' | 'fallback' | 'emergency' | 'scripted';
}

/**
 * The soak's DSO: a Capacity Provider speaking OSCP over HTTP (`SimulatedDso`) on a compressed timeline: a
 * day-ahead forecast per group of 24 hourly blocks (some left out: gaps), the next day's sent at noon, in the
 * DSO's own UTC offset; a fallback forecast per day; short-notice emergencies inside the hourly blocks;
 * heartbeats every few real seconds, stopped while it is silent; bursts of overlapping forecasts. Every
 * message the controller accepted (204) is told to the checker, at the instant of the answer.
 */
export class SoakDso {
  readonly sent = { forecasts: 0, lost: 0, heartbeats: 0, storms: 0, emergencies: 0 };
  /** Why messages were lost: an HTTP status and its message, or a connection error, with their counts. */
  readonly lostBecause = new Map<string, number>();
  private readonly due: DueMessage[];
  private heartbeatTimer?: NodeJS.Timeout;
  private silentUntilMs = 0;

  private constructor(
    private readonly dso: SimulatedDso,
    private readonly scenario: SoakScenario,
    private readonly checker: GridSafetyChecker,
    private readonly startMs: number,
    private readonly random: Random,
  ) {
    this.due = plan(scenario, startMs, seededRandom(scenario.seed ^ 0x5eed));
  }

  /** Creates the peer through the admin API, bound to the scenario's groups, registers (token swap) and hand-shakes. */
  static async start(
    admin: AdminCall,
    controllerUrl: string,
    scenario: SoakScenario,
    checker: GridSafetyChecker,
    startMs: number,
  ): Promise<SoakDso> {
    const token = randomBytes(24).toString('base64url');
    await admin('POST', '/api/v1/dso-peers', {
      name: 'soak-dso',
      token,
      // Bound before its first forecast: a DSO may only send for the groups it governs.
      groupIds: scenario.dso.groups.map((group) => group.groupId),
      options: { safeDefaultA: scenario.dso.safeDefaultA },
    });
    const dso = new SimulatedDso({ baseUrl: `${controllerUrl}/oscp/fp/2.0`, token });
    await dso.listen();
    const registered = await dso.register();
    if (registered.status !== 204) throw new Error(`DSO register: HTTP ${registered.status}`);
    await dso.waitFor('register', () => true, 60_000);
    const soak = new SoakDso(dso, scenario, checker, startMs, seededRandom(scenario.seed ^ 0xd50));
    await soak.handshake();
    return soak;
  }

  /** Sends what is due by `nowMs`, one message after the other. */
  async sendDue(nowMs: number): Promise<void> {
    while (this.due.length > 0 && this.due[0].atMs <= nowMs) {
      const message = this.due.shift()!;
      if (message.label === 'emergency') this.sent.emergencies++;
      await this.forecast(message.groupId, message.type, message.blocks);
    }
  }

  /** `messages` overlapping CONSUMPTION forecasts back to back, over the next three simulated hours. */
  async storm(messages: number): Promise<void> {
    this.sent.storms++;
    const now = Date.now();
    const horizonMs = (3 * SIMULATED_HOUR_MS) / this.scenario.speed;
    for (let i = 0; i < messages; i++) {
      const group = this.scenario.dso.groups[i % this.scenario.dso.groups.length];
      const from = now + this.random() * horizonMs * 0.5;
      const to = from + (0.1 + this.random() * 0.5) * horizonMs;
      const capacity = Math.max(1, Math.round(group.capacity * (0.3 + this.random() * 0.7)));
      await this.forecast(group.groupId, 'CONSUMPTION', [this.block(group, capacity, from, to)]);
    }
  }

  /** No heartbeats for `forMs`: the link goes OFFLINE when the last promise lapses; then a new handshake. */
  async silence(forMs: number): Promise<void> {
    this.silentUntilMs = Date.now() + forMs;
    clearInterval(this.heartbeatTimer);
    await new Promise((resolve) => setTimeout(resolve, forMs));
    await this.handshake();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    await this.dso.close();
  }

  get silent(): boolean {
    return Date.now() < this.silentUntilMs;
  }

  private async handshake(): Promise<void> {
    const interval = this.scenario.dso.heartbeatIntervalS;
    const reply = await this.dso.handshake({
      heartbeat_interval: interval,
      measurement_configuration: ['CONTINUOUS'],
    });
    if (reply.status !== 204) throw new Error(`DSO handshake: HTTP ${reply.status}`);
    this.checker.handshake(Date.now());
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), interval * 1000);
  }

  private heartbeat(): void {
    const offlineAt = Date.now() + 3 * this.scenario.dso.heartbeatIntervalS * 1000;
    void this.dso
      .heartbeat(new Date(offlineAt))
      .then((reply) => {
        if (reply.status !== 204) return;
        this.sent.heartbeats++;
        this.checker.heartbeat(Date.now(), offlineAt);
      })
      .catch(() => undefined);
  }

  /** One forecast message; told to the checker once the controller accepted it. */
  async forecast(groupId: string, type: string, blocks: SimulatedForecastBlock[]): Promise<void> {
    // A real DSO does not retry: a message refused, or sent while the controller is down, is lost.
    const lost = (reason: string) => {
      this.sent.lost++;
      this.lostBecause.set(reason, (this.lostBecause.get(reason) ?? 0) + 1);
    };
    try {
      const reply = await this.dso.sendCapacityForecast({ groupId, type, blocks });
      if (reply.status !== 204) {
        lost(`HTTP ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
        return;
      }
      this.sent.forecasts++;
      this.checker.forecast(Date.now(), groupId, type, blocks);
    } catch (error) {
      lost(error instanceof Error ? error.message : String(error));
    }
  }

  private block(group: SoakGroup, capacity: number, fromMs: number, toMs: number): SimulatedForecastBlock {
    return forecastBlock(group, capacity, fromMs, toMs, this.scenario.dso.utcOffset);
  }
}

/** Every forecast of the run, from its seed: the days' forecasts and their emergencies. */
function plan(scenario: SoakScenario, startMs: number, random: Random): DueMessage[] {
  const hourMs = SIMULATED_HOUR_MS / scenario.speed;
  const dayMs = HOURS_PER_DAY * hourMs;
  const days = Math.ceil(scenario.durationMs / dayMs) + 1;
  const due: DueMessage[] = [];
  for (let day = 0; day < days; day++) {
    const dayStart = startMs + day * dayMs;
    const sendAt = day === 0 ? startMs : dayStart - dayMs / 2;
    for (const group of scenario.dso.groups) {
      const hourly = Array.from({ length: HOURS_PER_DAY }, () =>
        Math.round(group.capacity * (0.6 + random() * 0.4)),
      );
      const gaps = new Set(
        Array.from({ length: scenario.dso.gapsPerDay }, () => 1 + Math.floor(random() * 23)),
      );
      const blocks = hourly.flatMap((capacity, h) =>
        gaps.has(h)
          ? []
          : [
              forecastBlock(
                group,
                capacity,
                dayStart + h * hourMs,
                dayStart + (h + 1) * hourMs,
                scenario.dso.utcOffset,
              ),
            ],
      );
      due.push({
        atMs: sendAt - startMs,
        groupId: group.groupId,
        type: 'CONSUMPTION',
        blocks,
        label: 'day-ahead',
      });
      due.push({
        atMs: sendAt - startMs,
        groupId: group.groupId,
        type: 'FALLBACK_CONSUMPTION',
        blocks: [forecastBlock(group, group.fallback, dayStart, dayStart + dayMs, scenario.dso.utcOffset)],
        label: 'fallback',
      });
      for (let e = 0; e < scenario.dso.emergenciesPerDay; e++) {
        const hour = Math.floor(random() * HOURS_PER_DAY);
        const announcedAt = dayStart + (hour + random() * 0.7) * hourMs;
        const noticeMs = (random() * 2 * 60_000) / scenario.speed;
        const from = announcedAt + noticeMs;
        const to = from + EMERGENCY_SIMULATED_MS / scenario.speed;
        const capacity = Math.round(hourly[hour] * 0.4);
        due.push({
          atMs: announcedAt - startMs,
          groupId: group.groupId,
          type: 'CONSUMPTION',
          blocks: [forecastBlock(group, capacity, from, to, scenario.dso.utcOffset)],
          label: 'emergency',
        });
      }
    }
  }
  for (const scripted of scenario.dso.scripted) {
    const group = scenario.dso.groups.find((g) => g.groupId === scripted.groupId);
    if (!group) throw new Error(`Scripted forecast for ${scripted.groupId}: no such group in the scenario`);
    const from = startMs + scripted.atMs + scripted.startInMs;
    const capacity = Math.round(group.capacity * scripted.share);
    due.push({
      atMs: scripted.atMs,
      groupId: group.groupId,
      type: 'CONSUMPTION',
      blocks: [forecastBlock(group, capacity, from, from + scripted.durationMs, scenario.dso.utcOffset)],
      label: 'scripted',
    });
  }
  return due.filter((m) => m.atMs < scenario.durationMs).sort((a, b) => a.atMs - b.atMs);
}

function forecastBlock(
  group: SoakGroup,
  capacity: number,
  fromMs: number,
  toMs: number,
  utcOffset: string,
): SimulatedForecastBlock {
  return {
    capacity,
    phase: 'ALL',
    unit: group.unit,
    start_time: withOffset(fromMs, utcOffset),
    end_time: withOffset(toMs, utcOffset),
  };
}

/** RFC 3339 in the DSO's own offset, e.g. `2026-12-07T08:00:00.000+08:00`. */
export function withOffset(ms: number, utcOffset: string): string {
  if (utcOffset === 'Z') return new Date(ms).toISOString();
  const sign = utcOffset.startsWith('-') ? -1 : 1;
  const [hours, minutes] = utcOffset.slice(1).split(':').map(Number);
  const shiftMs = sign * (hours * 60 + minutes) * 60_000;
  return new Date(ms + shiftMs).toISOString().replace('Z', utcOffset);
}
