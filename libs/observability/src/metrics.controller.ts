import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';

/** Public, as Prometheus scrapes it: it tells counts and timings, never identities or secrets. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    const body = await this.metrics.scrape();
    response.type(this.metrics.contentType);
    return body;
  }
}
