import type { ProfileAnswer, SimulatedChargerOptions } from '../charger/simulated-charger';
import type { GridPhase, PerPhase, SafetyWorld } from '../safety/safety-world';
import { seededRandom, type Random } from './seeded-random';

/**
 * A soak run as data: the world (sites, circuits, chargers and their misbehaviours), the DSO's timeline and
 * the faults, all drawn from one seed, so that two runs with the same settings meet the same world. New
 * misbehaviours of the simulated chargers plug in through `simulator` (options of `SimulatedCharger`) and of
 * the DSO through `SoakDsoPlan`, each off unless a scenario switches it on.
 */
export interface SoakScenario {
  seed: number;
  /** Simulated seconds per real second for the EVs and the DSO's timeline; the controller runs in real time. */
  speed: number;
  /** Real duration of the run. */
  durationMs: number;
  /** Real interval between two meter readings of a connector with an EV. */
  meterIntervalMs: number;
  /** How long an unforeseeable overrun may last (the checker's `graceMs`). */
  graceMs: number;
  /** Simulated hours a free connector waits for its next EV: from, to. */
  arrivalHours: [number, number];
  sites: SoakSite[];
  dso: SoakDsoPlan;
  faults: SoakFault[];
}

export interface SoakSite {
  name: string;
  groupId: string;
  gridLimitA: PerPhase;
  baseLoadA?: PerPhase;
  circuits: { name: string; limitA: PerPhase }[];
  chargers: SoakCharger[];
}

export interface SoakCharger {
  identity: string;
  ocppVersion: '1.6' | '2.0.1';
  /** The name of the circuit it hangs from; the site when absent. */
  circuit?: string;
  phaseRotation?: GridPhase[];
  connectors: { phases: 1 | 3; maxCurrentA: number }[];
  /** What it answers SetChargingProfile with; `Accepted` when absent. */
  profileAnswer?: ProfileAnswer;
  /** Further simulator options: the switches for misbehaviours. */
  simulator?: Partial<SimulatedChargerOptions>;
}

export interface SoakGroup {
  groupId: string;
  /** The day-ahead capacity per phase in A (unit A) or in total kW (unit KW), before the hourly variation. */
  capacity: number;
  fallback: number;
  unit: 'A' | 'KW';
}

export interface SoakDsoPlan {
  groups: SoakGroup[];
  /** Real seconds between heartbeats; each promises the next within three intervals. */
  heartbeatIntervalS: number;
  /** The offset the DSO writes its times in, e.g. `+08:00`; `Z` for UTC. */
  utcOffset: string;
  /** Per simulated day: hourly blocks left out of the day-ahead forecast (gaps while ONLINE). */
  gapsPerDay: number;
  /** Per simulated day: short-notice emergency blocks inside day-ahead blocks. */
  emergenciesPerDay: number;
  /** Per-phase A where nothing else applies (the peer's `safeDefaultA`). */
  safeDefaultA: number;
  /** Extra CONSUMPTION messages at set times, e.g. a curtailment or an emergency a test needs. */
  scripted: ScriptedForecast[];
}

/** One block sent `atMs` (real) after the start, for `durationMs` (real) from `startInMs` after sending. */
export interface ScriptedForecast {
  atMs: number;
  groupId: string;
  /** A fraction of the group's day-ahead capacity. */
  share: number;
  startInMs: number;
  durationMs: number;
}

export type SoakFault =
  | { atMs: number; kind: 'controller-kill'; downMs: number }
  | { atMs: number; kind: 'redis-restart'; downMs: number }
  | { atMs: number; kind: 'dso-silence'; forMs: number }
  | { atMs: number; kind: 'forecast-storm'; messages: number };

export interface SoakSettings {
  seed: number;
  chargers: number;
  durationMs: number;
  speed: number;
  /** Which faults to schedule; all when absent. */
  faults?: SoakFault['kind'][];
}

const VOLTAGE_V = 230;
const ROTATIONS: GridPhase[][] = [
  ['L1', 'L2', 'L3'],
  ['L2', 'L3', 'L1'],
  ['L3', 'L1', 'L2'],
];
const CHARGERS_PER_SITE = 12;

/** A world of `chargers` chargers on sites of twelve, on two DSO groups, with its faults spread over the run. */
export function buildScenario(settings: SoakSettings): SoakScenario {
  const random = seededRandom(settings.seed);
  const siteCount = Math.max(1, Math.ceil(settings.chargers / CHARGERS_PER_SITE));
  const sites = Array.from({ length: siteCount }, (_, s) =>
    buildSite(s, Math.min(CHARGERS_PER_SITE, settings.chargers - s * CHARGERS_PER_SITE), random),
  );
  const groupIds = ['grp-a', 'grp-b'].filter((groupId) => sites.some((site) => site.groupId === groupId));
  const groups = groupIds.map((groupId, g) => {
    const own = sites.filter((site) => site.groupId === groupId);
    const gridA = own.reduce((sum, site) => sum + site.gridLimitA[0], 0);
    const capacityA = Math.max(16, Math.round(gridA * 0.7));
    return g === 0
      ? { groupId, capacity: capacityA, fallback: Math.round(capacityA * 0.4), unit: 'A' as const }
      : {
          groupId,
          capacity: Math.round((capacityA * 3 * VOLTAGE_V) / 1000),
          fallback: Math.round((capacityA * 3 * VOLTAGE_V * 0.4) / 1000),
          unit: 'KW' as const,
        };
  });
  return {
    seed: settings.seed,
    speed: settings.speed,
    durationMs: settings.durationMs,
    meterIntervalMs: 5_000,
    graceMs: 2_000,
    arrivalHours: [0.5, 3],
    sites,
    dso: {
      groups,
      heartbeatIntervalS: 10,
      utcOffset: '+08:00',
      gapsPerDay: 1,
      emergenciesPerDay: 4,
      safeDefaultA: 0,
      scripted: [],
    },
    faults: scheduleFaults(settings),
  };
}

function buildSite(index: number, chargerCount: number, random: Random): SoakSite {
  const name = `Site ${index + 1}`;
  const chargers: SoakCharger[] = [];
  for (let c = 0; c < chargerCount; c++) {
    const ocppVersion = random() < 0.5 ? '1.6' : '2.0.1';
    const threePhase = random() < 0.6;
    // A 2.0.1 station here has one connector per EVSE; a 1.6 one sometimes two.
    const connectorCount = ocppVersion === '1.6' && random() < 0.3 ? 2 : 1;
    const maxCurrentA = random() < 0.5 ? 16 : 32;
    chargers.push({
      identity: `SOAK-${index + 1}-${c + 1}`,
      ocppVersion,
      ...(c % 2 === 1 && { circuit: 'Feeder A' }),
      phaseRotation: ROTATIONS[Math.floor(random() * ROTATIONS.length)],
      connectors: Array.from({ length: connectorCount }, () => ({ phases: threePhase ? 3 : 1, maxCurrentA })),
    });
  }
  const perPhaseMax = chargers.reduce(
    (sum, charger) => sum + charger.connectors.reduce((s, c) => s + c.maxCurrentA, 0),
    0,
  );
  const feederMax = chargers
    .filter((charger) => charger.circuit)
    .reduce((sum, charger) => sum + charger.connectors.reduce((s, c) => s + c.maxCurrentA, 0), 0);
  const gridA = Math.max(32, Math.round(perPhaseMax * 0.45));
  const feederA = Math.max(16, Math.round(feederMax * 0.5));
  return {
    name,
    groupId: index % 2 === 0 ? 'grp-a' : 'grp-b',
    gridLimitA: [gridA, gridA, gridA],
    baseLoadA: [4, 2, 3],
    circuits: [{ name: 'Feeder A', limitA: [feederA, feederA, feederA] }],
    chargers,
  };
}

function scheduleFaults(settings: SoakSettings): SoakFault[] {
  const at = (fraction: number) => Math.round(settings.durationMs * fraction);
  const faults: SoakFault[] = [
    { atMs: at(0.2), kind: 'forecast-storm', messages: 20 },
    { atMs: at(0.3), kind: 'controller-kill', downMs: 5_000 },
    { atMs: at(0.5), kind: 'redis-restart', downMs: 3_000 },
    { atMs: at(0.65), kind: 'dso-silence', forMs: 60_000 },
    { atMs: at(0.8), kind: 'forecast-storm', messages: 20 },
  ];
  return settings.faults ? faults.filter((f) => settings.faults!.includes(f.kind)) : faults;
}

/** The checker's view of the world: the configuration the soak creates, never the controller's. */
export function safetyWorldOf(scenario: SoakScenario): SafetyWorld {
  return {
    sites: scenario.sites.map((site) => ({
      id: site.name,
      groupId: site.groupId,
      nominalVoltageV: VOLTAGE_V,
      gridLimitA: site.gridLimitA,
      ...(site.baseLoadA && { baseLoadA: site.baseLoadA }),
      circuits: site.circuits.map((c) => ({ id: c.name, limitA: c.limitA })),
    })),
    chargers: scenario.sites.flatMap((site) =>
      site.chargers.map((charger) => ({
        identity: charger.identity,
        siteId: site.name,
        ...(charger.circuit && { circuitId: charger.circuit }),
        ...(charger.phaseRotation && { phaseRotation: charger.phaseRotation }),
        connectors: charger.connectors.map((c, i) => ({ connectorId: i + 1, ...c })),
      })),
    ),
    dso: { safeDefaultA: scenario.dso.safeDefaultA },
  };
}

export const SOAK_VOLTAGE_V = VOLTAGE_V;
