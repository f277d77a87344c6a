import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { InfeasibleLimitNode, LimitWarningsState } from '@gridflex/persistence';
import { ComplianceService } from '@gridflex/oscp';
import type { SiteRow } from '@gridflex/sites';
import { LIMIT_INFEASIBILITY_STARTED, LimitInfeasibilityStartedEvent } from './events';
import { uncompliableBlocks, UncompliableBlock } from './group-compliance';
import { describeNode, EMPTY_STATE, infeasibleNodes, nextFeasibility } from './limit-feasibility';
import { LimitWarningsRepository } from './limit-warnings.repository';
import type { HorizonBlock, SiteCapacity } from './plan-builder';
import type { PlanningCircuit, PlanningConnector } from './planning.repository';

/** What one planning run of a scope knows, to check which limits it cannot keep. */
export interface FeasibilityCheck {
  scopeKey: string;
  groupId: string | null;
  horizon: HorizonBlock[];
  sites: SiteRow[];
  capacities: SiteCapacity[];
  circuits: PlanningCircuit[];
  connectors: PlanningConnector[];
  now: Date;
}

/**
 * Limits no plan can keep, because the load we do not steer (base load, chargers refusing our profiles or
 * excluded from smart charging) alone exceeds them: stored as warnings of the scope for the API and the
 * dashboard, logged and counted once when an episode starts and once when it ends, and told to the DSOs
 * whose forecast it is, once per forecast and episode.
 */
@Injectable()
export class LimitFeasibilityService {
  private readonly logger = new Logger(LimitFeasibilityService.name);

  constructor(
    private readonly warnings: LimitWarningsRepository,
    private readonly compliance: ComplianceService,
    private readonly events: EventEmitter2,
  ) {}

  async check(run: FeasibilityCheck): Promise<void> {
    const nodes = infeasibleNodes({
      groupId: run.groupId,
      block: run.horizon[0],
      sites: run.capacities.map((capacity, index) => ({ ...capacity, name: run.sites[index].name })),
      circuitNames: new Map(run.circuits.map((circuit) => [circuit.id, circuit.name])),
      connectors: run.connectors,
    });
    const dsoBlocks =
      run.groupId === null ? [] : uncompliableBlocks(run.horizon, run.capacities, run.connectors);
    const previous = await this.warnings.find(run.scopeKey);
    const change = nextFeasibility(previous, nodes, dsoBlocks.length > 0, run.now);
    for (const node of change.started) this.episodeStarted(node);
    for (const node of change.ended)
      this.logger.log(`Limit can be kept again: ${node.kind} ${JSON.stringify(node.name)}`);
    const state =
      run.groupId === null ? change.state : await this.tellDso(run.groupId, change.state, dsoBlocks);
    if (change.changed || state !== change.state) await this.warnings.save(run.scopeKey, state, run.now);
  }

  /** A scope that no longer exists (a group without sites, a site now in a group) warns of nothing. */
  async forget(scopeKey: string): Promise<void> {
    await this.warnings.save(scopeKey, EMPTY_STATE, new Date());
  }

  private episodeStarted(node: InfeasibleLimitNode): void {
    this.logger.warn(`Limit impossible to keep, unsteered load alone exceeds it: ${describeNode(node)}`);
    this.events.emit(LIMIT_INFEASIBILITY_STARTED, new LimitInfeasibilityStartedEvent(node.kind));
  }

  /** @returns the state with the forecasts told now, or the same state when none was */
  private async tellDso(
    groupId: string,
    state: LimitWarningsState,
    blocks: UncompliableBlock[],
  ): Promise<LimitWarningsState> {
    if (state.dso === null) return state;
    const told = await this.compliance.report(
      {
        groupId,
        message: complianceMessage(groupId, blocks[0]),
        blocks: blocks.map((block) => ({
          capacity: Math.max(...block.uncontrollableA),
          phase: 'ALL',
          unit: 'A',
          start_time: block.start,
          end_time: block.end,
        })),
      },
      state.dso.reportedRequestIds,
    );
    if (told.length === 0) return state;
    return {
      ...state,
      dso: { ...state.dso, reportedRequestIds: [...state.dso.reportedRequestIds, ...told] },
    };
  }
}

/** Human-readable: what we cannot keep, by how much, and why; the blocks then give the figures. */
function complianceMessage(groupId: string, first: UncompliableBlock): string {
  const phase = first.uncontrollableA.indexOf(Math.max(...first.uncontrollableA));
  const reservedA = Math.round(first.uncontrollableA[phase] * 10) / 10;
  const limitA = Math.round(first.limitsA[phase] * 10) / 10;
  return (
    `Group ${groupId} cannot keep the forecast capacity from ${first.start}: chargers that refuse our ` +
    `charging profiles or are excluded from smart charging, with the base load, alone draw up to ` +
    `${reservedA} A on L${phase + 1} against ${limitA} A. Each block gives the current per phase we expect to draw.`
  );
}
