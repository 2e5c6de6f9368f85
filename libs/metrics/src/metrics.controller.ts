import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsTokenGuard } from './metrics-token.guard';
import { MirrorMetrics } from './mirror-metrics';

/** Prometheus's scrape endpoint; every process serves it, whatever its roles. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MirrorMetrics) {}

  @Get()
  @UseGuards(MetricsTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Prometheus metrics of this process (text exposition format)', description: 'Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'twilio_mirror_* families and Node.js process metrics', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and was not presented' })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    const body = await this.metrics.registry.metrics();
    res.type(this.metrics.registry.contentType);
    return body;
  }
}
