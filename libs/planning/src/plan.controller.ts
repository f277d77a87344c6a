import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors } from '@gridflex/common';
import { SitesRepository } from '@gridflex/sites';
import { SitePlanViewDto } from './dto/views.dto';
import { LimitWarningsRepository } from './limit-warnings.repository';
import { LimitWarningView, siteScopeKey, siteWarnings } from './limit-warnings';
import { PlansRepository, PlanWithDispatch } from './plans.repository';

export interface ConnectorPlanView {
  connectorRef: string;
  chargerIdentity: string;
  connectorId: number;
  version: number;
  plannedAt: string;
  periods: { start: string; end: string | null; limitA: number }[];
  dispatch: {
    status: string;
    detail: string | null;
    version: number | null;
    at: string | null;
    renewAt: string | null;
  };
  /** The charger's composite schedule read back after it accepted this version; null when not read. */
  verification: { result: string; detail: string | null; at: string } | null;
}

export interface SitePlanView {
  siteId: string;
  groupId: string | null;
  /** Limits of the site, its circuits or its group that unsteered load alone exceeds now. */
  warnings: LimitWarningView[];
  connectors: ConnectorPlanView[];
}

function toView(plan: PlanWithDispatch): ConnectorPlanView {
  return {
    connectorRef: plan.connectorRef,
    chargerIdentity: plan.identity,
    connectorId: plan.connectorId,
    version: plan.version,
    plannedAt: plan.plannedAt.toISOString(),
    periods: plan.periods,
    dispatch: {
      status: plan.dispatchStatus,
      detail: plan.dispatchDetail,
      version: plan.dispatchedVersion,
      at: plan.dispatchedAt?.toISOString() ?? null,
      renewAt: plan.renewAt?.toISOString() ?? null,
    },
    verification:
      plan.verification === null || plan.verifiedAt === null
        ? null
        : { result: plan.verification, detail: plan.verificationDetail, at: plan.verifiedAt.toISOString() },
  };
}

@ApiTags('planning')
@ApiErrors(401)
@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
export class PlanController {
  constructor(
    private readonly sites: SitesRepository,
    private readonly plans: PlansRepository,
    private readonly warnings: LimitWarningsRepository,
  ) {}

  /** The current plan of every connector of the site, and how its dispatch went. */
  @Get(':id/plan')
  @ApiOkResponse({ type: SitePlanViewDto })
  @ApiErrors(400, 404)
  async plan(@Param('id', ParseUUIDPipe) id: string): Promise<SitePlanView> {
    const site = await this.sites.getById(id);
    const plans = await this.plans.forSite(id);
    const warnings = siteWarnings(await this.warnings.find(siteScopeKey(site)), site.id);
    return { siteId: site.id, groupId: site.groupId, warnings, connectors: plans.map(toView) };
  }
}
