import { AcceptedProfiles, WireChargingProfile } from './accepted-profiles';
import { DsoLimits, NodeLimit, SentBlock, UNLIMITED } from './dso-limits';
import { GRID_PHASES, GridPhase, PerPhase, SafetyCharger, SafetySite, SafetyWorld } from './safety-world';
import {
  ConnectionTerm,
  linePhasor,
  TransformerLine,
  TransformerLineName,
  transformerLines,
  worstLineA,
} from './transformer-lines';

/**
 * An independent referee of the grid-safety invariant, fed with what happened on the wire (the
 * configuration the soak created, the DSO's messages as sent, the profiles each charger accepted or
 * refused, its transactions and its measured draws). It never reads the controller's own computations.
 *
 * THE INVARIANT. At every instant, for every node of the capacity tree (DSO group, site, circuit) and every
 * grid phase: the sum over connectors of the limit each charger has accepted (or still enforces from
 * before), counted on EVERY grid phase its connector is wired to through its phase rotation (an A limit
 * applies per phase, and an EV may switch phases), plus the reserved base load and the maximum of
 * unsteered chargers (excluded, or refusing profiles), is ≤ the limit in force — except where unsteered load
 * alone exceeds it, which is reported as unavoidable, not as our violation.
 * - A connector's accepted limit at t is what its profile stack gives at t (TxProfile over TxDefaultProfile,
 *   by stack level), at most its maximum current; none counts as its maximum. A charger's total per phase is
 *   capped by its station maximum (ChargePointMaxProfile / ChargingStationMaxProfile) and its own maximum.
 * - Power limits (W, kW) compare Σ V × I over the phases (or on the one phase they name).
 * - A declared transformer limits the MAGNITUDE of each of its line currents, a phasor sum of the
 *   connectors' currents at their angles (line a of a wye secondary: I_a = I_L1 + I_ab − I_ca; a delta
 *   primary: (I_a − I_c) / n): judged exactly, at the worst any EVs can draw up to their accepted limits.
 * - The group's limit in force is computed from the DSO's messages (`DsoLimits`): span replacement with
 *   trimming, gaps while ONLINE → fallback else safe default, OFFLINE (its `offline_mode_at` passed with no
 *   newer heartbeat, until a new handshake) → fallback else safe default; a group the DSO has sent nothing
 *   for yet is not constrained by it. Sites and circuits: their configured limits.
 *
 * WHEN AN OVERRUN IS A VIOLATION. The invariant is evaluated at every event and at every instant at which a
 * limit may change by itself (forecast block boundaries, schedule periods inside accepted profiles, the
 * DSO's `offline_mode_at`). An overrun that starts when the controller learns something (a forecast, the link
 * going OFFLINE, a refusal, a charger connecting or ending a transaction) may last `graceMs` (default 2 s),
 * the grace of a charger that connects holding none of our limits running from its own connection,
 * the time it takes to accept new limits; one of the controller's own making (a charger accepting a raise
 * before the others accepted their lowering) or that it could have known in advance (a block boundary
 * announced earlier than `graceMs` before it starts, a period of a profile it pushed) may not last at all. Measured draws are
 * checked the same way against the amp limits, with `drawGraceMs` (readings lag) and a noise tolerance.
 *
 * LOWERING LATENCY. For each lowering of a node's limit in force: the time from the lowering until the sum
 * of accepted limits on that node fits again (0 when it already fits).
 */
export interface GridSafetyOptions {
  /** How long an overrun the controller could not foresee may last; default 2,000 ms. */
  graceMs?: number;
  /** How long a measured overrun may last (readings lag behind profiles); default 12,000 ms. */
  drawGraceMs?: number;
  /** Measured draws may exceed a limit by this many A before they count (meter noise); default 0.5 A. */
  drawToleranceA?: number;
}

export interface Violation {
  /** `accepted` (the limits chargers accepted) or `drawn` (what they measured). */
  kind: 'accepted' | 'drawn';
  node: string;
  /** `L1`..`L3`, `total` for a limit on the sum over the phases, or a transformer line's name. */
  phase: GridPhase | 'total' | TransformerLineName;
  unit: 'A' | 'W';
  startMs: number;
  /** When the overrun stopped having a right to exist. */
  deadlineMs: number;
  endMs: number;
  /** Worst sum seen and the limit then. */
  sum: number;
  limit: number;
  /** At the worst instant, the largest terms of the sum: `identity A` (`*` marks an unsteered charger). */
  contributors: string[];
  /**
   * What started it: `raise` (a charger accepted a raise), `boundary` (a limit or schedule changed by itself),
   * `dso` (a DSO message), `offline` (the DSO link lapsed), `charger` (a connection, refusal, transaction or
   * reading).
   */
  cause: Cause;
}

export interface UnavoidableOverrun {
  node: string;
  phase: GridPhase | 'total' | TransformerLineName;
  atMs: number;
  /** Base load and unsteered chargers at their maximum. */
  unsteered: number;
  limit: number;
}

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface SafetyReport {
  evaluations: number;
  violations: Violation[];
  /** Overruns that ended within their grace: not violations, counted to show how often it happens. */
  overrunsWithinGrace: number;
  unavoidable: UnavoidableOverrun[];
  /** Lowest limit − sum of accepted limits seen on any amp limit (A) and any power limit (W). */
  worstHeadroom: { amps: Headroom | null; watts: Headroom | null };
  lowerings: { count: number; unresolved: number; latencyMs: Distribution };
  pushes: {
    connectorProfiles: number;
    stationProfiles: number;
    refusals: number;
    connectors: number;
    hours: number;
    perConnectorPerHour: number;
    maxPerConnectorPerHour: number;
  };
}

export interface Headroom {
  value: number;
  node: string;
  phase: GridPhase | 'total' | TransformerLineName;
  atMs: number;
}

/** Charger refreshes between two rebuilds of the sums from scratch. */
const REBUILD_EVERY = 10_000;

export type Cause = 'dso' | 'charger' | 'raise' | 'boundary' | 'offline';

interface ChargerState {
  spec: SafetyCharger;
  site: SafetySite;
  /** Node ids from the charger's own circuit up to its group. */
  chain: string[];
  /** Grid phase indexes per connector id. */
  gridPhases: Map<number, number[]>;
  /** How each connector's current enters the lines, per connector id. */
  terms: Map<number, ConnectionTerm[]>;
  profiles: AcceptedProfiles;
  /** Counted from its first connection on: before it, it is not part of the world yet. */
  present: boolean;
  /**
   * Until when a charger that connected holding no limit of ours is not yet counted at its maximum: protecting
   * it is the controller's answer to its connection, and each charger gets the grace for it from its own
   * connection (a thousand booting at once each get theirs). Still unprotected after it, it counts at once.
   */
  connectGraceUntilMs?: number;
  refusing: boolean;
  /** Latest measured current per connector, by grid phase. */
  drawn: Map<number, PerPhase>;
  /** Its terms in the sums, until its next event or `validUntilMs`. */
  cached?: Contribution;
}

interface Contribution {
  accepted: PerPhase;
  drawn: PerPhase;
  unsteered: boolean;
  validUntilMs: number;
}

interface NodeState {
  id: string;
  site?: SafetySite;
  groupId?: string;
  staticLimit: NodeLimit;
  voltageV: number;
  previous?: NodeLimit;
  /** Its transformer's lines, when it declares one. */
  lines?: TransformerLine[];
}

interface NodeSums {
  accepted: PerPhase;
  acceptedW: PerPhase;
  unsteered: PerPhase;
  unsteeredW: PerPhase;
  drawn: PerPhase;
  drawnW: PerPhase;
  unsteeredDrawn: PerPhase;
}

interface Episode {
  violation: Violation;
  counted: boolean;
}

interface PendingLowering {
  node: string;
  atMs: number;
}

export class GridSafetyChecker {
  private readonly graceMs: number;
  private readonly drawGraceMs: number;
  private readonly drawToleranceA: number;
  private readonly dso: DsoLimits;
  private readonly chargers = new Map<string, ChargerState>();
  private readonly nodes = new Map<string, NodeState>();
  private readonly episodes = new Map<string, Episode>();
  private readonly violations: Violation[] = [];
  private readonly unavoidable = new Map<string, UnavoidableOverrun>();
  private readonly unavoidableLog: UnavoidableOverrun[] = [];
  private readonly pending: PendingLowering[] = [];
  private readonly latencies: number[] = [];
  private readonly pushesByConnector = new Map<string, number>();
  private readonly baseLoads = new Map<string, PerPhase>();
  private readonly nodeSums = new Map<string, NodeSums>();
  private refreshes = 0;
  /** The earliest instant at which a charger's accepted schedules change by themselves. */
  private nextChargerChangeMs = Infinity;
  private worstAmps: Headroom | null = null;
  private worstWatts: Headroom | null = null;
  private withinGrace = 0;
  private stationProfiles = 0;
  private refusals = 0;
  private evaluations = 0;
  private online = true;
  private offlineModeAtMs?: number;
  private firstMs?: number;
  private lastMs = -Infinity;

  constructor(
    private readonly world: SafetyWorld,
    options: GridSafetyOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 2_000;
    this.drawGraceMs = options.drawGraceMs ?? 12_000;
    this.drawToleranceA = options.drawToleranceA ?? 0.5;
    this.dso = new DsoLimits(world.dso);
    this.buildTree();
    this.rebuildSums(-Infinity);
  }

  /** A capacity forecast message of the DSO, as sent, at the instant the controller answered it. */
  forecast(atMs: number, groupId: string, type: string, blocks: SentBlock[]): void {
    this.advanceTo(atMs);
    this.dso.receive(groupId, type, blocks, atMs);
    this.evaluate(atMs, 'dso');
  }

  /** A DSO heartbeat promising the next before `offlineModeAtMs`. */
  heartbeat(atMs: number, offlineModeAtMs: number): void {
    this.advanceTo(atMs);
    if (this.online) this.offlineModeAtMs = offlineModeAtMs;
    this.evaluate(atMs, 'dso');
  }

  /** A DSO handshake: the link is ONLINE again until its next promise lapses. */
  handshake(atMs: number): void {
    this.advanceTo(atMs);
    this.online = true;
    this.offlineModeAtMs = undefined;
    this.evaluate(atMs, 'dso');
  }

  /** A charger connected: from now on it counts, at its maximum until it accepts limits. */
  connected(atMs: number, identity: string): void {
    this.advanceTo(atMs);
    const charger = this.charger(identity);
    charger.present = true;
    charger.connectGraceUntilMs = this.holdsNoLimit(charger, atMs) ? atMs + this.graceMs : undefined;
    this.refresh(charger, atMs);
    this.evaluate(atMs, 'charger');
  }

  /**
   * A charger answered a SetChargingProfile: `Accepted` installs it (a charger applies it on receipt); any
   * other answer leaves the charger unsteered (counted at its maximum) until it accepts one again.
   */
  profileAnswered(atMs: number, identity: string, payload: WireChargingProfile, status: string): void {
    this.advanceTo(atMs);
    const charger = this.charger(identity);
    charger.present = true;
    const connectorId = 'evseId' in payload ? payload.evseId : payload.connectorId;
    if (connectorId === 0) this.stationProfiles++;
    else {
      const key = `${identity}#${connectorId}`;
      this.pushesByConnector.set(key, (this.pushesByConnector.get(key) ?? 0) + 1);
    }
    const before = this.heldA(charger, atMs);
    if (status === 'Accepted') {
      charger.profiles.accept(payload, atMs);
      charger.refusing = false;
    } else {
      this.refusals++;
      charger.refusing = true;
    }
    this.refresh(charger, atMs);
    const raised = status === 'Accepted' && this.heldA(charger, atMs).some((a, p) => a > before[p] + 1e-9);
    this.evaluate(atMs, raised ? 'raise' : 'charger');
  }

  /** A transaction started or ended on a connector (its end drops its TxProfiles and its draw). */
  transaction(atMs: number, identity: string, connectorId: number, running: boolean): void {
    this.advanceTo(atMs);
    const charger = this.charger(identity);
    if (!running) {
      charger.profiles.transactionEnded(connectorId);
      charger.drawn.delete(connectorId);
    }
    this.refresh(charger, atMs);
    this.evaluate(atMs, 'charger');
  }

  /**
   * A meter reading: the current per charger phase L1..L3. A line-to-line connector's one current (its
   * charger's L1) flows through both lines of its pair.
   */
  draw(atMs: number, identity: string, connectorId: number, chargerPhaseA: PerPhase): void {
    this.advanceTo(atMs);
    const charger = this.charger(identity);
    const [term] = charger.terms.get(connectorId) ?? [];
    const grid: PerPhase = [0, 0, 0];
    if (term in PAIR_PHASES) {
      for (const p of PAIR_PHASES[term as LinePair]) grid[p] += chargerPhaseA[0];
    } else {
      const rotation = charger.spec.phaseRotation ?? GRID_PHASES;
      chargerPhaseA.forEach((amps, i) => (grid[GRID_PHASES.indexOf(rotation[i])] += amps));
    }
    charger.drawn.set(connectorId, grid);
    this.refresh(charger, atMs);
    this.evaluate(atMs, 'charger');
  }

  /** A metered base load reading for a site, replacing its configured one. */
  baseLoad(atMs: number, siteId: string, amps: PerPhase): void {
    this.advanceTo(atMs);
    this.baseLoads.set(siteId, amps);
    this.rebuildSums(atMs);
    this.evaluate(atMs, 'dso');
  }

  /** Evaluates every instant before `atMs` at which a limit changes by itself. */
  advanceTo(atMs: number): void {
    for (;;) {
      const next = this.nextChangeAfter(this.lastMs);
      if (next >= atMs) break;
      const cause: Cause =
        this.offlineModeAtMs !== undefined && next === this.offlineModeAtMs + 1 ? 'offline' : 'boundary';
      this.evaluate(next, cause);
    }
  }

  /** The figures so far; overruns still open are closed at `endMs`. */
  report(endMs: number): SafetyReport {
    this.advanceTo(endMs);
    this.evaluate(endMs, 'boundary');
    const open = [...this.episodes.values()].filter((e) => !e.counted && endMs > e.violation.deadlineMs);
    const violations = [...this.violations, ...open.map((e) => ({ ...e.violation, endMs }))];
    const hours = Math.max((endMs - (this.firstMs ?? endMs)) / 3_600_000, 1e-9);
    const connectors = [...this.chargers.values()].reduce((n, c) => n + c.spec.connectors.length, 0);
    const pushes = [...this.pushesByConnector.values()];
    const connectorProfiles = pushes.reduce((a, b) => a + b, 0);
    return {
      evaluations: this.evaluations,
      violations,
      overrunsWithinGrace: this.withinGrace,
      unavoidable: [...this.unavoidableLog],
      worstHeadroom: { amps: this.worstAmps, watts: this.worstWatts },
      lowerings: {
        count: this.latencies.length + this.pending.length,
        unresolved: this.pending.length,
        latencyMs: distribution(this.latencies),
      },
      pushes: {
        connectorProfiles,
        stationProfiles: this.stationProfiles,
        refusals: this.refusals,
        connectors,
        hours,
        perConnectorPerHour: connectors === 0 ? 0 : connectorProfiles / connectors / hours,
        maxPerConnectorPerHour: Math.max(0, ...pushes) / hours,
      },
    };
  }

  private nextChangeAfter(afterMs: number): number {
    if (this.nextChargerChangeMs <= afterMs) this.sumsAt(afterMs);
    let next = this.nextChargerChangeMs;
    for (const node of this.nodes.values()) {
      if (node.groupId !== undefined) next = Math.min(next, this.dso.nextChangeAfter(node.groupId, afterMs));
    }
    if (this.online && this.offlineModeAtMs !== undefined && this.offlineModeAtMs + 1 > afterMs) {
      next = Math.min(next, this.offlineModeAtMs + 1);
    }
    return next;
  }

  private evaluate(atMs: number, cause: Cause): void {
    this.evaluations++;
    this.firstMs ??= atMs;
    this.lastMs = Math.max(this.lastMs, atMs);
    this.updateLink(atMs);
    const sums = this.sumsAt(atMs);
    for (const node of this.nodes.values()) {
      const limit = this.limitOf(node, atMs);
      const lowered = node.previous !== undefined && isLower(limit, node.previous);
      node.previous = limit;
      if (lowered) this.pending.push({ node: node.id, atMs });
      const knownMs =
        cause === 'boundary' && node.groupId !== undefined ? this.dso.lastMessageAt(node.groupId) : atMs;
      const foreseeable = (cause === 'boundary' && !lowered) || cause === 'raise';
      const deadlineMs = foreseeable ? atMs : Math.max(atMs, knownMs + this.graceMs);
      const fits =
        this.checkAccepted(node, limit, sums.get(node.id)!, atMs, deadlineMs, cause) &&
        this.checkLines(node, atMs, deadlineMs, cause);
      this.checkDrawn(node, limit, sums.get(node.id)!, atMs, cause);
      if (fits) this.resolveLowerings(node.id, atMs);
    }
  }

  /** @returns whether the accepted limits fit (unavoidable overruns aside) */
  private checkAccepted(
    node: NodeState,
    limit: NodeLimit,
    sums: NodeSums,
    atMs: number,
    deadlineMs: number,
    cause: Cause,
  ): boolean {
    let fits = true;
    const check = (
      phase: GridPhase | 'total',
      unit: 'A' | 'W',
      sum: number,
      unsteered: number,
      max: number,
    ) => {
      if (!Number.isFinite(max)) return;
      this.headroom(unit, { value: max - sum, node: node.id, phase, atMs });
      const key = `accepted|${node.id}|${phase}|${unit}`;
      const unavoidable = unsteered > max + 1e-6;
      this.noteUnavoidable(key, unavoidable, { node: node.id, phase, atMs, unsteered, limit: max });
      const over = sum > max + 1e-6 && !unavoidable;
      if (over) fits = false;
      this.track(key, over, {
        kind: 'accepted',
        node: node.id,
        phase,
        unit,
        startMs: atMs,
        deadlineMs,
        endMs: atMs,
        sum,
        limit: max,
        contributors: [],
        cause,
      });
    };
    GRID_PHASES.forEach((phase, p) => {
      check(phase, 'A', sums.accepted[p], sums.unsteered[p], limit.amps[p]);
      check(phase, 'W', sums.acceptedW[p], sums.unsteeredW[p], limit.wattsPerPhase[p]);
    });
    check('total', 'W', total(sums.acceptedW), total(sums.unsteeredW), limit.wattsTotal);
    return fits;
  }

  /**
   * Each transformer line of the node at the worst its connectors may draw: every connector up to its
   * counted limit (unsteered ones at their maximum), at its connection's angle; base load to neutral.
   * @returns whether they fit (unavoidable overruns aside)
   */
  private checkLines(node: NodeState, atMs: number, deadlineMs: number, cause: Cause): boolean {
    if (!node.lines) return true;
    const counted = [...this.chargers.values()].filter((c) => c.present && c.chain.includes(node.id));
    const base = node.site && node.id === `site:${node.site.id}` ? this.baseLoadOf(node.site) : [0, 0, 0];
    let fits = true;
    for (const line of node.lines) {
      const baseTerms = GRID_PHASES.map((phase, p) => ({
        phasor: linePhasor(line, [phase]),
        limitA: base[p],
      }));
      const terms = (unsteeredOnly: boolean) => [
        ...baseTerms,
        ...counted
          .filter((c) => !unsteeredOnly || isUnsteered(c))
          .flatMap((c) =>
            [...this.connectorLimitsA(c, atMs)].map(([connectorId, limitA]) => ({
              phasor: linePhasor(line, c.terms.get(connectorId)!),
              limitA,
            })),
          ),
      ];
      const sum = worstLineA(terms(false));
      const unsteered = worstLineA(terms(true));
      const key = `accepted|${node.id}|${line.name}|A`;
      this.headroom('A', { value: line.limitA - sum, node: node.id, phase: line.name, atMs });
      const unavoidable = unsteered > line.limitA + 1e-6;
      this.noteUnavoidable(key, unavoidable, {
        node: node.id,
        phase: line.name,
        atMs,
        unsteered,
        limit: line.limitA,
      });
      const over = sum > line.limitA + 1e-6 && !unavoidable;
      if (over) fits = false;
      this.track(key, over, {
        kind: 'accepted',
        node: node.id,
        phase: line.name,
        unit: 'A',
        startMs: atMs,
        deadlineMs,
        endMs: atMs,
        sum,
        limit: line.limitA,
        contributors: [],
        cause,
      });
    }
    return fits;
  }

  private baseLoadOf(site: SafetySite): PerPhase {
    return this.baseLoads.get(site.id) ?? site.baseLoadA ?? [0, 0, 0];
  }

  /**
   * Per connector, the limit the invariant counts (as `countedA` does per phase): its maximum when
   * unsteered, else its accepted limit within the charger's station and own maximum; 0 in a connection grace.
   */
  private connectorLimitsA(charger: ChargerState, atMs: number): Map<number, number> {
    const voltageV = charger.site.nominalVoltageV;
    const inGrace =
      !isUnsteered(charger) &&
      atMs < (charger.connectGraceUntilMs ?? -Infinity) &&
      this.holdsNoLimit(charger, atMs);
    const cap = isUnsteered(charger)
      ? (charger.spec.maxCurrentA ?? Infinity)
      : Math.min(
          charger.profiles.stationMaxA(atMs, voltageV) ?? Infinity,
          charger.spec.maxCurrentA ?? Infinity,
        );
    return new Map(
      charger.spec.connectors.map((c) => {
        const accepted = isUnsteered(charger)
          ? c.maxCurrentA
          : Math.min(
              c.maxCurrentA,
              charger.profiles.connectorLimitA(c.connectorId, atMs, voltageV) ?? Infinity,
            );
        return [c.connectorId, inGrace ? 0 : Math.max(0, Math.min(accepted, cap))];
      }),
    );
  }

  private checkDrawn(node: NodeState, limit: NodeLimit, sums: NodeSums, atMs: number, cause: Cause): void {
    const deadlineMs = atMs + this.drawGraceMs;
    const check = (
      phase: GridPhase | 'total',
      unit: 'A' | 'W',
      sum: number,
      unsteered: number,
      max: number,
      tolerance: number,
    ) => {
      if (!Number.isFinite(max)) return;
      const over = sum > max + tolerance && unsteered <= max + tolerance;
      this.track(`drawn|${node.id}|${phase}|${unit}`, over, {
        kind: 'drawn',
        node: node.id,
        phase,
        unit,
        startMs: atMs,
        deadlineMs,
        endMs: atMs,
        sum,
        limit: max,
        contributors: [],
        cause,
      });
    };
    GRID_PHASES.forEach((phase, p) => {
      check(phase, 'A', sums.drawn[p], sums.unsteeredDrawn[p], limit.amps[p], this.drawToleranceA);
    });
    const toleranceW = this.drawToleranceA * node.voltageV * 3;
    check('total', 'W', total(sums.drawnW), 0, limit.wattsTotal, toleranceW);
  }

  /** Opens, extends or closes the overrun episode of one limit. */
  private track(key: string, over: boolean, seen: Violation): void {
    const episode = this.episodes.get(key);
    if (over && !episode) {
      seen.contributors = this.contributors(seen);
      this.episodes.set(key, { violation: seen, counted: false });
      return;
    }
    if (over && episode) {
      const v = episode.violation;
      if (seen.sum - seen.limit > v.sum - v.limit) {
        Object.assign(v, { sum: seen.sum, limit: seen.limit, contributors: this.contributors(seen) });
      }
      v.endMs = seen.startMs;
      if (!episode.counted && seen.startMs > v.deadlineMs) {
        episode.counted = true;
        this.violations.push(v);
      }
      return;
    }
    if (!episode) return;
    this.episodes.delete(key);
    const v = episode.violation;
    v.endMs = seen.startMs;
    if (episode.counted) return;
    if (seen.startMs > v.deadlineMs) this.violations.push(v);
    else this.withinGrace++;
  }

  /** The five chargers that count most on the violated node and phase at that instant. */
  private contributors(seen: Violation): string[] {
    const phase = GRID_PHASES.indexOf(seen.phase as GridPhase);
    const phases = phase < 0 ? [0, 1, 2] : [phase];
    const terms: { label: string; amps: number }[] = [];
    for (const charger of this.chargers.values()) {
      if (!charger.present || !charger.chain.includes(seen.node)) continue;
      const amps = seen.kind === 'accepted' ? this.countedA(charger, seen.startMs) : drawnA(charger);
      const sum = phases.reduce((total, p) => total + amps[p], 0);
      if (sum > 0)
        terms.push({ label: `${charger.spec.identity}${isUnsteered(charger) ? '*' : ''}`, amps: sum });
    }
    return terms
      .sort((a, b) => b.amps - a.amps)
      .slice(0, 5)
      .map((t) => `${t.label} ${Math.round(t.amps * 10) / 10} A`);
  }

  private noteUnavoidable(key: string, unavoidable: boolean, overrun: UnavoidableOverrun): void {
    if (unavoidable && !this.unavoidable.has(key)) {
      this.unavoidable.set(key, overrun);
      this.unavoidableLog.push(overrun);
    } else if (!unavoidable) this.unavoidable.delete(key);
  }

  private headroom(unit: 'A' | 'W', seen: Headroom): void {
    const worst = unit === 'A' ? this.worstAmps : this.worstWatts;
    if (worst && worst.value <= seen.value) return;
    if (unit === 'A') this.worstAmps = seen;
    else this.worstWatts = seen;
  }

  private resolveLowerings(nodeId: string, atMs: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if (this.pending[i].node !== nodeId) continue;
      this.latencies.push(atMs - this.pending[i].atMs);
      this.pending.splice(i, 1);
    }
  }

  private updateLink(atMs: number): void {
    if (this.world.dso.offlineDetection === false) return;
    if (this.online && this.offlineModeAtMs !== undefined && atMs > this.offlineModeAtMs) this.online = false;
  }

  private limitOf(node: NodeState, atMs: number): NodeLimit {
    if (node.groupId === undefined) return node.staticLimit;
    return this.dso.knows(node.groupId) ? this.dso.limitAt(node.groupId, atMs, this.online) : UNLIMITED;
  }

  /**
   * Per node: accepted limits, unsteered maxima (with base load) and measured draws, per grid phase, kept up
   * to date charger by charger: evaluating every profile stack at every event would cost the soak's process
   * more than the controller it measures. Rebuilt from scratch now and then, against rounding drift.
   */
  private sumsAt(atMs: number): Map<string, NodeSums> {
    if (this.refreshes >= REBUILD_EVERY) this.rebuildSums(atMs);
    if (atMs < this.nextChargerChangeMs) return this.nodeSums;
    let next = Infinity;
    for (const charger of this.chargers.values()) {
      if (charger.cached && atMs >= charger.cached.validUntilMs) this.refresh(charger, atMs);
      next = Math.min(next, charger.cached?.validUntilMs ?? Infinity);
    }
    this.nextChargerChangeMs = next;
    return this.nodeSums;
  }

  /** Replaces the charger's terms in the sums by what it counts at `atMs`. */
  private refresh(charger: ChargerState, atMs: number): void {
    this.refreshes++;
    if (charger.cached) this.addCharger(charger, charger.cached, -1);
    charger.cached = charger.present
      ? {
          accepted: this.countedA(charger, atMs),
          drawn: drawnA(charger),
          unsteered: isUnsteered(charger),
          validUntilMs: Math.min(
            charger.profiles.nextChangeAfter(atMs),
            (charger.connectGraceUntilMs ?? -Infinity) > atMs ? charger.connectGraceUntilMs! : Infinity,
          ),
        }
      : undefined;
    if (!charger.cached) return;
    this.addCharger(charger, charger.cached, 1);
    this.nextChargerChangeMs = Math.min(this.nextChargerChangeMs, charger.cached.validUntilMs);
  }

  private rebuildSums(atMs: number): void {
    this.refreshes = 0;
    this.nextChargerChangeMs = Infinity;
    for (const id of this.nodes.keys()) this.nodeSums.set(id, emptySums());
    for (const site of this.world.sites) {
      const base = this.baseLoadOf(site);
      const nodes = [`site:${site.id}`, ...(site.groupId ? [`group:${site.groupId}`] : [])];
      for (const id of nodes) addTo(this.nodeSums.get(id)!, base, base, base, site.nominalVoltageV, true, 1);
    }
    for (const charger of this.chargers.values()) {
      charger.cached = undefined;
      this.refresh(charger, atMs);
    }
  }

  private addCharger(charger: ChargerState, terms: Contribution, sign: 1 | -1): void {
    const unsteeredDrawn: PerPhase = terms.unsteered ? terms.drawn : [0, 0, 0];
    for (const id of charger.chain) {
      addTo(
        this.nodeSums.get(id)!,
        terms.accepted,
        terms.drawn,
        unsteeredDrawn,
        charger.site.nominalVoltageV,
        terms.unsteered,
        sign,
      );
    }
  }

  /** What the invariant counts for the charger, per grid phase. */
  private countedA(charger: ChargerState, atMs: number): PerPhase {
    if (
      !isUnsteered(charger) &&
      atMs < (charger.connectGraceUntilMs ?? -Infinity) &&
      this.holdsNoLimit(charger, atMs)
    )
      return [0, 0, 0];
    return this.heldA(charger, atMs);
  }

  /**
   * What the charger may draw, per grid phase, whatever its connection grace: a raise is judged on this, so
   * that the first limit a charger accepts within its grace is the lowering from its maximum that it is.
   */
  private heldA(charger: ChargerState, atMs: number): PerPhase {
    return isUnsteered(charger) ? this.maximumA(charger) : this.acceptedA(charger, atMs);
  }

  private holdsNoLimit(charger: ChargerState, atMs: number): boolean {
    const voltageV = charger.site.nominalVoltageV;
    return (
      charger.profiles.stationMaxA(atMs, voltageV) === undefined &&
      charger.spec.connectors.every(
        (c) => charger.profiles.connectorLimitA(c.connectorId, atMs, voltageV) === undefined,
      )
    );
  }

  /** Every connector at its maximum on its grid phases, the charger's total capped by its own maximum. */
  private maximumA(charger: ChargerState): PerPhase {
    return this.perGridPhase(charger, (c) => c.maxCurrentA, charger.spec.maxCurrentA);
  }

  private acceptedA(charger: ChargerState, atMs: number): PerPhase {
    const voltageV = charger.site.nominalVoltageV;
    const stationMax = charger.profiles.stationMaxA(atMs, voltageV);
    const cap = Math.min(stationMax ?? Infinity, charger.spec.maxCurrentA ?? Infinity);
    return this.perGridPhase(
      charger,
      (c) =>
        Math.min(c.maxCurrentA, charger.profiles.connectorLimitA(c.connectorId, atMs, voltageV) ?? Infinity),
      cap,
    );
  }

  private perGridPhase(
    charger: ChargerState,
    limitOf: (connector: SafetyCharger['connectors'][number]) => number,
    cap: number | undefined,
  ): PerPhase {
    const amps: PerPhase = [0, 0, 0];
    for (const connector of charger.spec.connectors) {
      const limit = Math.max(0, limitOf(connector));
      for (const p of charger.gridPhases.get(connector.connectorId)!) amps[p] += limit;
    }
    return amps.map((a) => Math.min(a, cap ?? Infinity)) as PerPhase;
  }

  private charger(identity: string): ChargerState {
    const charger = this.chargers.get(identity);
    if (!charger) throw new Error(`The grid-safety checker knows no charger ${identity}`);
    return charger;
  }

  private buildTree(): void {
    for (const site of this.world.sites) {
      const watts = site.totalLimitKw === undefined ? Infinity : site.totalLimitKw * 1000;
      this.nodes.set(`site:${site.id}`, {
        id: `site:${site.id}`,
        site,
        staticLimit: {
          amps: [...site.gridLimitA],
          wattsPerPhase: [...UNLIMITED.wattsPerPhase],
          wattsTotal: watts,
        },
        voltageV: site.nominalVoltageV,
        ...(site.transformer && { lines: transformerLines(site.transformer, site.nominalVoltageV) }),
      });
      for (const circuit of site.circuits ?? []) {
        const id = circuitNode(site.id, circuit.id);
        this.nodes.set(id, {
          id,
          site,
          staticLimit: { ...UNLIMITED, amps: [...circuit.limitA] },
          voltageV: site.nominalVoltageV,
          ...(circuit.transformer && { lines: transformerLines(circuit.transformer, site.nominalVoltageV) }),
        });
      }
      if (site.groupId !== undefined && !this.nodes.has(`group:${site.groupId}`)) {
        this.nodes.set(`group:${site.groupId}`, {
          id: `group:${site.groupId}`,
          groupId: site.groupId,
          staticLimit: UNLIMITED,
          voltageV: this.world.dso.nominalVoltageV ?? site.nominalVoltageV,
        });
      }
    }
    for (const spec of this.world.chargers) {
      const site = this.world.sites.find((s) => s.id === spec.siteId);
      if (!site) throw new Error(`Charger ${spec.identity}: no site ${spec.siteId}`);
      const rotation = spec.phaseRotation ?? GRID_PHASES;
      const terms = new Map(spec.connectors.map((c) => [c.connectorId, connectionTerms(c, rotation)]));
      const gridPhases = new Map(
        [...terms].map(([connectorId, connection]) => [connectorId, gridPhasesOf(connection)]),
      );
      this.chargers.set(spec.identity, {
        spec,
        site,
        chain: chainOf(site, spec.circuitId),
        gridPhases,
        terms,
        profiles: new AcceptedProfiles(),
        present: false,
        refusing: false,
        drawn: new Map(),
      });
    }
  }
}

type LinePair = 'AB' | 'BC' | 'CA';
const PAIR_PHASES: Record<LinePair, [number, number]> = { AB: [0, 1], BC: [1, 2], CA: [2, 0] };

/** A connector's current: on its line pair, or to neutral on the grid phases its first `phases` are rotated onto. */
function connectionTerms(
  connector: SafetyCharger['connectors'][number],
  rotation: readonly GridPhase[],
): ConnectionTerm[] {
  if (connector.lineToLine) return [connector.lineToLine];
  return rotation.slice(0, connector.phases === 1 || connector.phases === 2 ? connector.phases : 3);
}

/** The grid phases a connection loads: both lines of a pair, or its phases to neutral. */
function gridPhasesOf(terms: ConnectionTerm[]): number[] {
  return terms.flatMap((term) =>
    term in PAIR_PHASES ? PAIR_PHASES[term as LinePair] : [GRID_PHASES.indexOf(term as GridPhase)],
  );
}

function drawnA(charger: ChargerState): PerPhase {
  const drawn: PerPhase = [0, 0, 0];
  for (const amps of charger.drawn.values()) amps.forEach((a, p) => (drawn[p] += a));
  return drawn;
}

function isUnsteered(charger: ChargerState): boolean {
  return charger.refusing || charger.spec.smartChargingExcluded === true;
}

function chainOf(site: SafetySite, circuitId: string | undefined): string[] {
  const chain: string[] = [];
  let id = circuitId;
  while (id !== undefined) {
    const circuit = site.circuits?.find((c) => c.id === id);
    if (!circuit) throw new Error(`Site ${site.id}: no circuit ${id}`);
    chain.push(circuitNode(site.id, id));
    id = circuit.parentId;
  }
  chain.push(`site:${site.id}`);
  if (site.groupId !== undefined) chain.push(`group:${site.groupId}`);
  return chain;
}

function circuitNode(siteId: string, circuitId: string): string {
  return `circuit:${siteId}/${circuitId}`;
}

function emptySums(): NodeSums {
  const zero = (): PerPhase => [0, 0, 0];
  return {
    accepted: zero(),
    acceptedW: zero(),
    unsteered: zero(),
    unsteeredW: zero(),
    drawn: zero(),
    drawnW: zero(),
    unsteeredDrawn: zero(),
  };
}

function addTo(
  sums: NodeSums,
  accepted: PerPhase,
  drawn: PerPhase,
  unsteeredDrawn: PerPhase,
  voltageV: number,
  unsteered: boolean,
  sign: 1 | -1,
): void {
  for (let p = 0; p < 3; p++) {
    sums.accepted[p] += sign * accepted[p];
    sums.acceptedW[p] += sign * accepted[p] * voltageV;
    if (unsteered) {
      sums.unsteered[p] += sign * accepted[p];
      sums.unsteeredW[p] += sign * accepted[p] * voltageV;
    }
    sums.drawn[p] += sign * drawn[p];
    sums.drawnW[p] += sign * drawn[p] * voltageV;
    sums.unsteeredDrawn[p] += sign * unsteeredDrawn[p];
  }
}

function isLower(now: NodeLimit, before: NodeLimit): boolean {
  return (
    now.amps.some((a, p) => a < before.amps[p]) ||
    now.wattsPerPhase.some((w, p) => w < before.wattsPerPhase[p]) ||
    now.wattsTotal < before.wattsTotal
  );
}

function total(values: PerPhase): number {
  return values[0] + values[1] + values[2];
}

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
}
