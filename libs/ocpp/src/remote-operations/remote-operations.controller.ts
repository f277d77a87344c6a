import { Body, Controller, HttpCode, Param, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiResponseOptions, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { ClearChargingProfileDto } from './dto/clear-charging-profile.dto';
import { CompositeScheduleDto } from './dto/composite-schedule.dto';
import { ConfigurationDto } from './dto/configuration.dto';
import { TriggerMessageDto } from './dto/trigger-message.dto';
import { RemoteOperationsService } from './remote-operations.service';

const CHARGER_ANSWER: ApiResponseOptions = {
  description: "The charger's answer, as its OCPP version words it",
  schema: { type: 'object', additionalProperties: true, example: { status: 'Accepted' } },
};

/** Each route answers 200 with the charger's answer: the operation ran, whatever the charger decided. */
@ApiTags('ocpp')
@ApiErrors(400, 401, 404, 409, 502, 504)
@Controller('api/v1/chargers/:identity')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class RemoteOperationsController {
  constructor(private readonly service: RemoteOperationsService) {}

  @Post('clear-charging-profile')
  @HttpCode(200)
  @ApiOkResponse(CHARGER_ANSWER)
  clearChargingProfile(
    @Param('identity') identity: string,
    @Body() dto: ClearChargingProfileDto,
  ): Promise<unknown> {
    return this.service.clearChargingProfile(identity, dto);
  }

  @Post('composite-schedule')
  @HttpCode(200)
  @ApiOkResponse(CHARGER_ANSWER)
  compositeSchedule(
    @Param('identity') identity: string,
    @Body() dto: CompositeScheduleDto,
  ): Promise<unknown> {
    return this.service.compositeSchedule(identity, dto);
  }

  @Post('trigger-message')
  @HttpCode(200)
  @ApiOkResponse(CHARGER_ANSWER)
  triggerMessage(@Param('identity') identity: string, @Body() dto: TriggerMessageDto): Promise<unknown> {
    return this.service.triggerMessage(identity, dto);
  }

  @Post('configuration')
  @HttpCode(200)
  @ApiOkResponse(CHARGER_ANSWER)
  changeConfiguration(@Param('identity') identity: string, @Body() dto: ConfigurationDto): Promise<unknown> {
    return this.service.changeConfiguration(identity, dto);
  }
}
