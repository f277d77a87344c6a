import { Body, Controller, Get, Param, ParseUUIDPipe, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import {
  Actor,
  SiteDocument,
  SiteDocumentsService,
  SiteView,
  SiteWithWarningsViewDto,
  WithWarnings,
} from '@gridflex/sites';
import { PeakShavingRuleDto } from './dto/peak-shaving-rule.dto';
import { SiteSchedulesDocumentDto } from './dto/site-schedules-document.dto';
import { TariffDto } from './dto/tariff.dto';
import { SiteSchedulesDocumentViewDto } from './dto/views.dto';
import { ruleBody, ruleColumns, tariffBody, tariffColumns } from './schedule-columns';
import { SchedulesRepository } from './schedules.repository';

type SiteSchedulesDocument = SiteDocument & { peakShavingRules: PeakShavingRuleDto[]; tariffs: TariffDto[] };

/**
 * A site's whole model, schedules included, as one JSON document: export for backups, import (as a new
 * site) for bulk onboarding, validated like every other change and written in one transaction.
 */
@ApiTags('sites')
@ApiErrors(401)
@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SiteDocumentsController {
  constructor(
    private readonly documents: SiteDocumentsService,
    private readonly schedules: SchedulesRepository,
  ) {}

  @Get(':id/export')
  @ApiOkResponse({
    type: SiteSchedulesDocumentViewDto,
    description: "The site's whole model as one document",
  })
  @ApiErrors(400, 404)
  async export(@Param('id', ParseUUIDPipe) id: string): Promise<SiteSchedulesDocument> {
    const model = await this.documents.export(id);
    const [rules, tariffs] = await Promise.all([
      this.schedules.rulesOfSites([id]),
      this.schedules.tariffsOfSites([id]),
    ]);
    return { ...model, peakShavingRules: rules.map(ruleBody), tariffs: tariffs.map(tariffBody) };
  }

  @Post('import')
  @ApiCreatedResponse({ type: SiteWithWarningsViewDto, description: 'The new site' })
  @ApiErrors(400, 409)
  import(@Body() dto: SiteSchedulesDocumentDto, @Actor() actor: string): Promise<WithWarnings<SiteView>> {
    const rules = (dto.peakShavingRules ?? []).map(ruleColumns);
    const tariffs = (dto.tariffs ?? []).map(tariffColumns);
    return this.documents.import(dto, actor, (tx, siteId) =>
      this.schedules.writeWindows(tx, siteId, rules, tariffs),
    );
  }
}
