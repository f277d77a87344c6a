import { BadRequestException, Injectable } from '@nestjs/common';
import { PerPhase } from '@gridflex/optimizer';
import { SiteRow, SitesRepository } from '@gridflex/sites';
import { SimulateDto, SimulatedSessionDto } from './dto/simulate.dto';
import { explainAllocations } from './explanations';
import { explainHorizonReasons } from './horizon-explanations';
import type { CapacityBlock } from './forecast-capacity';
import { HorizonWishesService } from './horizon-wishes.service';
import {
  buildAllocationInput,
  chargerNodeId,
  excludedAllocations,
  GROUP_NODE,
  horizonBlocks,
  horizonEdges,
  mergeFlatBlocks,
  planAllocations,
  previousOnOffStates,
  splitHorizon,
  toPlannedPeriods,
  wantsHorizon,
} from './plan-builder';
import { PlanningCircuit, PlanningConnector, PlanningRepository } from './planning.repository';
import { PlansRepository } from './plans.repository';
import { SCHEDULE_LOOKAHEAD_MS, toSiteCapacity } from './site-capacity';

export interface SimulatedConnectorView {
  chargerIdentity: string;
  connectorId: number;
  periods: { start: string; end: string | null; limitA: number }[];
  /** Why the connector got its limit, one entry per period. */
  explanations: string[];
}

export interface SimulationView {
  siteId: string;
  at: string;
  connectors: SimulatedConnectorView[];
}

const refused = (field: string, message: string) =>
  new BadRequestException({ message: `${field}: ${message}`, errors: [{ field, messages: [message] }] });

/**
 * What-if: the plan the optimizer would make for the site's group with the given forecast, rules and
 * sessions, from the stored model. Nothing is stored or sent.
 */
@Injectable()
export class SimulationService {
  constructor(
    private readonly sites: SitesRepository,
    private readonly inputs: PlanningRepository,
    private readonly plans: PlansRepository,
    private readonly horizonWishes: HorizonWishesService,
  ) {}

  async simulate(siteId: string, dto: SimulateDto): Promise<SimulationView> {
    const site = await this.sites.getById(siteId);
    const sites = site.groupId === null ? [site] : await this.sites.listByGroup(site.groupId);
    const ids = sites.map((s) => s.id);
    const now = dto.at ? new Date(dto.at) : new Date();
    const stored = await this.inputs.connectorsOfSites(ids);
    const connectors = dto.sessions ? withSessions(stored, dto.sessions, now) : stored;
    const circuits = await this.inputs.circuitsOfSites(ids);
    const storedRules = await this.inputs.peakShavingRulesOfSites(ids);
    const rules = dto.rules
      ? [
          ...storedRules.filter((r) => r.siteId !== siteId),
          ...dto.rules.map((r) => ({
            ...r,
            siteId,
            weekdays: r.weekdays ?? null,
            date: r.date ?? null,
            limitKw: r.limitKw ?? null,
            limitPercent: r.limitPercent ?? null,
          })),
        ]
      : storedRules;

    const blocks = horizonBlocks(forecastTimeline(dto), now);
    const capacities = sites.map((s) => toSiteCapacity(s, circuits, rules, now, new Date(blocks[0].start)));
    // The same optimiser as planning: the horizon one with tariffs, OPTIMUM or sessions' wishes.
    const wishes = await this.horizonWishes.wishes(sites, site.groupId, now);
    const until = new Date(Date.parse(blocks[0].start) + SCHEDULE_LOOKAHEAD_MS);
    const scheduleEdges = capacities.flatMap((c) => (c.scheduledLimitsA ?? []).map((s) => s.start));
    const horizon = wantsHorizon(connectors, wishes)
      ? splitHorizon(mergeFlatBlocks(blocks), [
          ...scheduleEdges,
          ...horizonEdges(connectors, wishes, now, until),
        ])
      : splitHorizon(blocks, scheduleEdges);
    // Assumed sessions are new ones; only the stored sessions carry on from what the stored plans did.
    const onOff = dto.sessions
      ? new Map()
      : previousOnOffStates(connectors, await this.plans.latest(connectors.map((c) => c.connectorRef)), now);
    const input = buildAllocationInput(horizon, capacities, connectors, onOff);
    const plan = planAllocations(input, capacities, connectors, wishes);
    const names = nodeNames(site, sites, circuits, connectors);
    const explained = explainHorizonReasons(plan, explainAllocations(input, plan, names), names);
    const allocations = [...plan.allocations, ...excludedAllocations(input.blocks, connectors)];
    const limitsOf = new Map(allocations.map((a) => [a.connectorId, a.limitsA]));

    return {
      siteId,
      at: now.toISOString(),
      connectors: connectors
        .filter((c) => c.siteId === siteId)
        .map((c) => ({
          chargerIdentity: c.identity,
          connectorId: c.connectorId,
          periods: toPlannedPeriods(input.blocks, limitsOf.get(c.connectorRef) ?? []),
          explanations: explained.get(c.connectorRef) ?? input.blocks.map(() => unsteeredExplanation(c)),
        })),
    };
  }
}

/** Connectors left out of the optimizer are planned and reserved at their maximum; says which kind. */
function unsteeredExplanation(connector: PlanningConnector): string {
  if (connector.smartChargingExcluded) return 'excluded from smart charging: at its maximum';
  return `refuses our profiles (${connector.uncontrollableReason}): reserved and offered its maximum`;
}

function forecastTimeline(dto: SimulateDto): CapacityBlock[] {
  const blocks = (dto.forecast ?? []).map((b, i) => {
    if (Date.parse(b.start) >= Date.parse(b.end)) throw refused(`forecast[${i}]`, 'start must be before end');
    const limitsA: PerPhase = [b.limitA.l1, b.limitA.l2, b.limitA.l3];
    return { start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString(), limitsA };
  });
  const sorted = blocks.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  sorted.forEach((block, i) => {
    if (i > 0 && Date.parse(block.start) < Date.parse(sorted[i - 1].end)) {
      throw refused('forecast', 'blocks must not overlap');
    }
  });
  return sorted;
}

/** The connectors with exactly the given sessions: an EV where one is listed, none elsewhere. */
function withSessions(
  connectors: PlanningConnector[],
  sessions: SimulatedSessionDto[],
  now: Date,
): PlanningConnector[] {
  sessions.forEach((s, i) => {
    if (!connectors.some((c) => c.identity === s.chargerIdentity && c.connectorId === s.connectorId)) {
      throw refused(
        `sessions[${i}]`,
        `no connector ${s.connectorId} of charger "${s.chargerIdentity}" in the site's group`,
      );
    }
  });
  return connectors.map((c) => {
    const session = sessions.find((s) => s.chargerIdentity === c.identity && s.connectorId === c.connectorId);
    if (!session) return { ...c, status: 'Available', transactionStartedAt: null };
    return {
      ...c,
      status: 'Charging',
      transactionStartedAt: c.transactionStartedAt ?? now,
      sessionPriority: session.priority ?? null,
      energyWantedWh: session.energyWantedWh ?? null,
      departureAt: session.departureAt ? new Date(session.departureAt) : null,
    };
  });
}

function nodeNames(
  site: SiteRow,
  sites: SiteRow[],
  circuits: PlanningCircuit[],
  connectors: PlanningConnector[],
): Map<string, string> {
  return new Map([
    [GROUP_NODE, site.groupId === null ? 'no group' : `group "${site.groupId}"`],
    ...sites.map((s) => [s.id, `site "${s.name}"`] as const),
    ...circuits.map((c) => [c.id, `circuit "${c.name}"`] as const),
    ...connectors.flatMap((c) =>
      c.chargerId ? [[chargerNodeId(c.chargerId), `charger "${c.identity}"`] as const] : [],
    ),
  ]);
}
