import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, UseGuards, UsePipes } from '@nestjs/common';
import { AdminApiKeyGuard, createValidationPipe } from '@gridflex/common';
import { SimulateDto } from './dto/simulate.dto';
import { SimulationService, SimulationView } from './simulation.service';

@Controller('api/v1/sites')
@UseGuards(AdminApiKeyGuard)
@UsePipes(createValidationPipe({ forbidUnknown: true }))
export class SimulationController {
  constructor(private readonly simulation: SimulationService) {}

  /** The plan the optimizer would produce for the given forecast, rules and sessions; nothing is pushed. */
  @Post(':id/simulate')
  @HttpCode(200)
  simulate(@Param('id', ParseUUIDPipe) id: string, @Body() dto: SimulateDto): Promise<SimulationView> {
    return this.simulation.simulate(id, dto);
  }
}
