import { Body, Controller, HttpCode, Param, Post, UseGuards, UsePipes } from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { ClearChargingProfileDto } from './dto/clear-charging-profile.dto';
import { CompositeScheduleDto } from './dto/composite-schedule.dto';
import { ConfigurationDto } from './dto/configuration.dto';
import { TriggerMessageDto } from './dto/trigger-message.dto';
import { RemoteOperationsService } from './remote-operations.service';

/** Each route answers 200 with the charger's answer: the operation ran, whatever the charger decided. */
@Controller('api/v1/chargers/:identity')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class RemoteOperationsController {
  constructor(private readonly service: RemoteOperationsService) {}

  @Post('clear-charging-profile')
  @HttpCode(200)
  clearChargingProfile(
    @Param('identity') identity: string,
    @Body() dto: ClearChargingProfileDto,
  ): Promise<unknown> {
    return this.service.clearChargingProfile(identity, dto);
  }

  @Post('composite-schedule')
  @HttpCode(200)
  compositeSchedule(
    @Param('identity') identity: string,
    @Body() dto: CompositeScheduleDto,
  ): Promise<unknown> {
    return this.service.compositeSchedule(identity, dto);
  }

  @Post('trigger-message')
  @HttpCode(200)
  triggerMessage(@Param('identity') identity: string, @Body() dto: TriggerMessageDto): Promise<unknown> {
    return this.service.triggerMessage(identity, dto);
  }

  @Post('configuration')
  @HttpCode(200)
  changeConfiguration(@Param('identity') identity: string, @Body() dto: ConfigurationDto): Promise<unknown> {
    return this.service.changeConfiguration(identity, dto);
  }
}
