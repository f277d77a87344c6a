import { Injectable, Logger } from '@nestjs/common';
import { describeFailure } from '@gridflex/common';
import { DsoPeer, DsoPeersRepository } from '@gridflex/oscp';
import {
  capacityOriginAt,
  GroupCapacity,
  GroupCapacityService,
  limitWarningView,
  LimitWarningsRepository,
  SimulationService,
  siteScopeKey,
  siteWarnings,
} from '@gridflex/planning';
import { effectiveBaseLoadA, sitePhaseLimitsA, SiteRow, SitesRepository, wishSource } from '@gridflex/sites';
import {
  CHART_FUTURE_MS,
  CHART_PAST_MS,
  MEASUREMENT_MAX_AGE_MS,
  SAMPLE_RETENTION_MS,
} from './dashboard.constants';
import { DashboardConnectorRow, DashboardRepository, StoredLoadSample } from './dashboard.repository';
import type {
  ChartSeries,
  ConnectorView,
  DashboardSnapshot,
  GroupView,
  PeerView,
  PhaseValues,
  SiteView,
  TransformerLineView,
} from './dashboard.views';
import { capacityAt, capacityEdges } from './group-capacity.reader';
import {
  addPhases,
  connectionLabel,
  limitOnGrid,
  transformerLinesA,
  measuredOnGrid,
  PerPhase,
  planEdges,
  planLimitAt,
  zeroPhases,
} from './load-math';

/** A site as it is now: its connectors, what they draw and are planned, with its base load included. */
interface LiveSite {
  site: SiteRow;
  connectors: DashboardConnectorRow[];
  baseLoadA: PerPhase;
  measuredA: PerPhase;
  plannedA: PerPhase;
}

interface LiveState {
  sites: LiveSite[];
  capacities: Map<string, GroupCapacity>;
}

/** One instant of a chart; a missing part is drawn as a gap. */
interface ChartPoint {
  measured?: PhaseValues;
  planned?: PhaseValues;
  limit: PhaseValues;
}

/**
 * What the dashboard shows: every DSO peer's link, and per group and site the DSO capacity, the planned
 * allocation and the measured load over time (sampled history, now, and the plans and forecasts ahead),
 * and per connector its limit, reading, status, dispatch outcome and the optimizer's reason.
 */
@Injectable()
export class DashboardService {
  private readonly logger = new Logger(DashboardService.name);

  constructor(
    private readonly sites: SitesRepository,
    private readonly peers: DsoPeersRepository,
    private readonly repository: DashboardRepository,
    private readonly capacityReader: GroupCapacityService,
    private readonly simulation: SimulationService,
    private readonly limitWarnings: LimitWarningsRepository,
  ) {}

  /** Records every site's load now and forgets samples past retention; run once per interval per deployment. */
  async sampleLoads(now = new Date()): Promise<void> {
    const state = await this.liveState(now);
    await this.repository.insertSamples(
      state.sites.map((live) => ({
        siteId: live.site.id,
        at: now,
        measuredA: live.measuredA,
        plannedA: live.plannedA,
        capacityA: live.site.groupId ? limitValues(capacityAtNow(state, live.site.groupId, now)) : null,
      })),
    );
    await this.repository.deleteSamplesBefore(
      state.sites.map((live) => live.site.id),
      new Date(now.getTime() - SAMPLE_RETENTION_MS),
    );
  }

  async snapshot(now = new Date()): Promise<DashboardSnapshot> {
    const state = await this.liveState(now);
    const peers = await this.peers.list();
    const samples = await this.repository.samplesSince(
      state.sites.map((live) => live.site.id),
      new Date(now.getTime() - CHART_PAST_MS),
    );
    const warnings = await this.limitWarnings.all();
    const sites = await Promise.all(state.sites.map((live) => this.siteView(live, state, samples, now)));
    return {
      at: now.toISOString(),
      peers: peers.map(peerView),
      groups: groupViews(state, samples, now).map((group) => ({
        ...group,
        warnings: (warnings.get(`group:${group.groupId}`)?.nodes ?? []).map(limitWarningView),
      })),
      sites: sites.map((site) => ({
        ...site,
        warnings: siteWarnings(warnings.get(siteScopeKey(site)) ?? null, site.id),
      })),
    };
  }

  private async liveState(now: Date): Promise<LiveState> {
    const sites = await this.sites.list();
    const connectors = await this.repository.connectorsOfSites(sites.map((site) => site.id));
    const capacities = new Map<string, GroupCapacity>();
    for (const groupId of new Set(sites.flatMap((site) => (site.groupId ? [site.groupId] : [])))) {
      const members = sites.filter((site) => site.groupId === groupId);
      capacities.set(groupId, await this.capacityReader.capacity(groupId, members, now));
    }
    return {
      capacities,
      sites: sites.map((site) => {
        const own = connectors.filter((c) => c.siteId === site.id);
        const baseLoadA = [...effectiveBaseLoadA(site, now)] as PerPhase;
        return {
          site,
          connectors: own,
          baseLoadA,
          measuredA: own.reduce((sum, c) => addPhases(sum, freshMeasurementOnGrid(c, now)), baseLoadA),
          plannedA: plannedAt(own, baseLoadA, now.getTime()),
        };
      }),
    };
  }

  private async siteView(
    live: LiveSite,
    state: LiveState,
    samples: StoredLoadSample[],
    now: Date,
  ): Promise<Omit<SiteView, 'warnings'>> {
    const gridLimitA = limitValues([...sitePhaseLimitsA(live.site)] as PerPhase);
    const explanations = await this.explanations(live.site, state, now);
    const points = new Map<number, ChartPoint>();
    for (const sample of samples.filter((s) => s.siteId === live.site.id)) {
      points.set(sample.at.getTime(), {
        measured: sample.measuredA,
        planned: sample.plannedA,
        limit: gridLimitA,
      });
    }
    points.set(now.getTime(), { measured: live.measuredA, planned: live.plannedA, limit: gridLimitA });
    for (const t of futureInstants(live.connectors, now)) {
      points.set(t, { planned: plannedAt(live.connectors, live.baseLoadA, t), limit: gridLimitA });
    }
    return {
      id: live.site.id,
      name: live.site.name,
      groupId: live.site.groupId,
      gridLimitA,
      measuredNowA: live.measuredA,
      plannedNowA: live.plannedA,
      transformerNowA: plannedTransformerA(live, now),
      chart: toSeries(points),
      connectors: live.connectors.map((c) =>
        connectorView(c, live.site, now, explanations.get(connectorKey(c))),
      ),
    };
  }

  /**
   * The optimizer's reason for each connector's limit now: a what-if of the site's group with the DSO
   * capacity in force now, from the stored state, which is what the planner decided on.
   */
  private async explanations(site: SiteRow, state: LiveState, now: Date): Promise<Map<string, string>> {
    const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const capacity = site.groupId ? state.capacities.get(site.groupId) : undefined;
    const limitsA = capacity ? capacityAt(capacity, start.getTime()) : undefined;
    const forecast =
      limitsA && limitsA.some(Number.isFinite)
        ? [
            {
              start: start.toISOString(),
              end: new Date(start.getTime() + 3_600_000).toISOString(),
              limitA: { l1: limitsA[0], l2: limitsA[1], l3: limitsA[2] },
            },
          ]
        : undefined;
    try {
      const view = await this.simulation.simulate(site.id, { at: start.toISOString(), forecast });
      return new Map(
        view.connectors.map((c) => [`${c.chargerIdentity}/${c.connectorId}`, c.explanations[0]]),
      );
    } catch (error) {
      this.logger.warn(`No explanations for site ${site.id}: ${describeFailure(error)}`);
      return new Map();
    }
  }
}

function plannedTransformerA(live: LiveSite, now: Date): TransformerLineView[] | null {
  if (!live.site.transformer) return null;
  const loads = live.connectors.map((c) => ({ connector: c, limitA: planLimitAt(c.periods ?? [], now) }));
  return transformerLinesA(live.site.transformer, live.site.nominalVoltageV, loads, live.baseLoadA).map(
    (line) => ({ ...line, plannedA: Math.round(line.plannedA * 10) / 10 }),
  );
}

function connectorKey(c: DashboardConnectorRow): string {
  return `${c.identity}/${c.connectorId}`;
}

const EV_PRESENT_STATUSES = new Set(['Preparing', 'Charging', 'SuspendedEV', 'SuspendedEVSE', 'Occupied']);

function connectorView(
  c: DashboardConnectorRow,
  site: SiteRow,
  now: Date,
  explanation: string | undefined,
): ConnectorView {
  const fresh = isFresh(c, now);
  return {
    chargerIdentity: c.identity,
    ocppVersion: c.ocppVersion,
    chargerConnected: c.chargerConnected,
    connectorId: c.connectorId,
    phases: c.phases,
    lineToLine: c.lineToLine,
    connection: connectionLabel(c, site),
    status: c.status,
    evPresent: c.transactionStartedAt !== null || EV_PRESENT_STATUSES.has(c.status ?? ''),
    limitA: c.periods ? planLimitAt(c.periods, now) : null,
    maxCurrentA: c.maxCurrentA,
    measuredA: fresh ? c.measuredCurrentA : null,
    measuredAt: c.measuredAt?.toISOString() ?? null,
    planVersion: c.planVersion,
    dispatch: c.dispatchStatus
      ? { status: c.dispatchStatus, detail: c.dispatchDetail, at: c.dispatchedAt?.toISOString() ?? null }
      : null,
    explanation: explanation ?? null,
    uncontrollableReason: c.uncontrollableReason,
    wishSource: c.transactionStartedAt === null ? null : wishSource(c.wish ?? undefined),
    socPercent: c.socPercent,
  };
}

function peerView(peer: DsoPeer): PeerView {
  return {
    id: peer.id,
    name: peer.name,
    registration: peer.registration,
    link: peer.link,
    linkChangedAt: peer.linkChangedAt?.toISOString() ?? null,
    lastHeartbeatAt: peer.lastHeartbeatAt?.toISOString() ?? null,
    offlineModeAt: peer.offlineModeAt?.toISOString() ?? null,
  };
}

function groupViews(state: LiveState, samples: StoredLoadSample[], now: Date): Omit<GroupView, 'warnings'>[] {
  return [...state.capacities.entries()].map(([groupId, capacity]) => {
    const members = state.sites.filter((live) => live.site.groupId === groupId);
    const memberIds = new Set(members.map((live) => live.site.id));
    const points = new Map<number, ChartPoint>();
    for (const sample of samples.filter((s) => memberIds.has(s.siteId))) {
      const t = sample.at.getTime();
      const point = points.get(t);
      points.set(t, {
        measured: sumValues(point?.measured, sample.measuredA),
        planned: sumValues(point?.planned, sample.plannedA),
        limit: sample.capacityA ?? [null, null, null],
      });
    }
    const measuredNowA = members.reduce((sum, live) => addPhases(sum, live.measuredA), zeroPhases());
    const plannedNowA = members.reduce((sum, live) => addPhases(sum, live.plannedA), zeroPhases());
    const capacityNowA = limitValues(capacityAt(capacity, now.getTime()));
    const capacitySource = capacityOriginAt(capacity, now.getTime());
    points.set(now.getTime(), { measured: measuredNowA, planned: plannedNowA, limit: capacityNowA });
    const connectors = members.flatMap((live) => live.connectors);
    const end = now.getTime() + CHART_FUTURE_MS;
    const instants = [...futureInstants(connectors, now), ...capacityEdges(capacity, now.getTime(), end)];
    for (const t of instants) {
      const planned = members.reduce(
        (sum, live) => addPhases(sum, plannedAt(live.connectors, live.baseLoadA, t)),
        zeroPhases(),
      );
      points.set(t, { planned, limit: limitValues(capacityAt(capacity, t)) });
    }
    return {
      groupId,
      siteIds: [...memberIds],
      capacityNowA,
      capacitySource,
      measuredNowA,
      plannedNowA,
      chart: toSeries(points),
    };
  });
}

function capacityAtNow(state: LiveState, groupId: string, now: Date): PerPhase {
  const capacity = state.capacities.get(groupId);
  return capacity ? capacityAt(capacity, now.getTime()) : [Infinity, Infinity, Infinity];
}

function isFresh(c: DashboardConnectorRow, now: Date): boolean {
  return (
    c.chargerConnected &&
    c.measuredAt !== null &&
    now.getTime() - c.measuredAt.getTime() <= MEASUREMENT_MAX_AGE_MS
  );
}

function freshMeasurementOnGrid(c: DashboardConnectorRow, now: Date): PerPhase {
  return isFresh(c, now) && c.measuredCurrentA ? measuredOnGrid(c, c.measuredCurrentA) : zeroPhases();
}

function plannedAt(connectors: DashboardConnectorRow[], baseLoadA: PerPhase, t: number): PerPhase {
  const at = new Date(t);
  return connectors.reduce((sum, c) => addPhases(sum, limitOnGrid(c, planLimitAt(c.periods ?? [], at))), [
    ...baseLoadA,
  ] as PerPhase);
}

/** Where the plans change ahead, and the chart's right edge. */
function futureInstants(connectors: DashboardConnectorRow[], now: Date): number[] {
  const end = new Date(now.getTime() + CHART_FUTURE_MS);
  return [
    ...planEdges(
      connectors.map((c) => c.periods ?? []),
      now,
      end,
    ),
    end.getTime(),
  ];
}

/** JSON has no Infinity: an unlimited phase is null. */
function limitValues(limits: readonly number[]): PhaseValues {
  return limits.map((a) => (Number.isFinite(a) ? round(a) : null)) as PhaseValues;
}

function sumValues(a: PhaseValues | undefined, b: readonly number[]): PhaseValues {
  return [0, 1, 2].map((p) => (a?.[p] ?? 0) + b[p]) as PhaseValues;
}

function toSeries(points: Map<number, ChartPoint>): ChartSeries {
  const instants = [...points.keys()].sort((a, b) => a - b);
  const column = (pick: (p: ChartPoint) => PhaseValues | undefined, phase: number) =>
    instants.map((t) => {
      const value = pick(points.get(t)!)?.[phase];
      return value === undefined || value === null ? null : round(value);
    });
  const perPhase = (pick: (p: ChartPoint) => PhaseValues | undefined) =>
    [0, 1, 2].map((phase) => column(pick, phase)) as ChartSeries['measured'];
  return {
    t: instants.map((t) => t / 1000),
    measured: perPhase((p) => p.measured),
    planned: perPhase((p) => p.planned),
    limit: perPhase((p) => p.limit),
  };
}

const round = (a: number) => Math.round(a * 10) / 10;
