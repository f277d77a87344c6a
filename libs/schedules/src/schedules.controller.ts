import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { Actor } from '@gridflex/sites';
import { PeakShavingRuleDto } from './dto/peak-shaving-rule.dto';
import { TariffDto } from './dto/tariff.dto';
import { PeakShavingRuleViewDto, TariffViewDto } from './dto/views.dto';
import { SchedulesService } from './schedules.service';
import { PeakShavingRuleRow, TariffRow } from './schedules.repository';

interface WindowView {
  id: string;
  name: string;
  weekdays: number[] | null;
  date: string | null;
  startTime: string;
  endTime: string;
}
export type PeakShavingRuleView = WindowView & { limitKw: number | null; limitPercent: number | null };
export type TariffView = WindowView & { pricePerKwh: number; currency: string };

const windowView = (w: PeakShavingRuleRow | TariffRow): WindowView => ({
  id: w.id,
  name: w.name,
  weekdays: w.weekdays,
  date: w.date,
  startTime: w.startTime,
  endTime: w.endTime,
});
const ruleView = (r: PeakShavingRuleRow): PeakShavingRuleView => ({
  ...windowView(r),
  limitKw: r.limitKw,
  limitPercent: r.limitPercent,
});
const tariffView = (t: TariffRow): TariffView => ({
  ...windowView(t),
  pricePerKwh: t.pricePerKwh,
  currency: t.currency,
});

/** Peak-shaving rules and tariffs of a site, in its time zone. */
@ApiTags('schedules')
@ApiErrors(400, 401, 404)
@Controller('api/v1/sites/:id')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SchedulesController {
  constructor(private readonly service: SchedulesService) {}

  @Get('peak-shaving-rules')
  @ApiOkResponse({ type: [PeakShavingRuleViewDto] })
  async listRules(@Param('id', ParseUUIDPipe) id: string): Promise<PeakShavingRuleView[]> {
    return (await this.service.listRules(id)).map(ruleView);
  }

  @Post('peak-shaving-rules')
  @ApiCreatedResponse({ type: PeakShavingRuleViewDto })
  async addRule(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: PeakShavingRuleDto,
    @Actor() actor: string,
  ): Promise<PeakShavingRuleView> {
    return ruleView(await this.service.addRule(id, dto, actor));
  }

  @Delete('peak-shaving-rules/:ruleId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed' })
  removeRule(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('ruleId', ParseUUIDPipe) ruleId: string,
    @Actor() actor: string,
  ): Promise<void> {
    return this.service.removeRule(id, ruleId, actor);
  }

  @Get('tariffs')
  @ApiOkResponse({ type: [TariffViewDto] })
  async listTariffs(@Param('id', ParseUUIDPipe) id: string): Promise<TariffView[]> {
    return (await this.service.listTariffs(id)).map(tariffView);
  }

  @Post('tariffs')
  @ApiCreatedResponse({ type: TariffViewDto })
  async addTariff(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: TariffDto,
    @Actor() actor: string,
  ): Promise<TariffView> {
    return tariffView(await this.service.addTariff(id, dto, actor));
  }

  @Delete('tariffs/:tariffId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed' })
  removeTariff(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('tariffId', ParseUUIDPipe) tariffId: string,
    @Actor() actor: string,
  ): Promise<void> {
    return this.service.removeTariff(id, tariffId, actor);
  }
}
