import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, UseGuards, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeyGuard, ApiErrors, createValidationPipe } from '@gridflex/common';
import { SimulateDto } from './dto/simulate.dto';
import { SimulationViewDto } from './dto/views.dto';
import { SimulationService, SimulationView } from './simulation.service';

@ApiTags('planning')
@ApiErrors(401)
@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SimulationController {
  constructor(private readonly simulation: SimulationService) {}

  /** The plan the optimizer would produce for the given forecast, rules and sessions; nothing is pushed. */
  @Post(':id/simulate')
  @HttpCode(200)
  @ApiOkResponse({ type: SimulationViewDto, description: 'The plan with per-connector explanations' })
  @ApiErrors(400, 404)
  simulate(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SimulateDto): Promise<SimulationView> {
    return this.simulation.simulate(id, dto);
  }
}
