import { Module } from '@nestjs/common';
import { MirrorMetrics } from './mirror-metrics';

/**
 * The process's metrics, for the code that records them (the Twilio client's observer, the crawl, the change
 * feed). Imported by each module that records; Nest makes one instance per app.
 */
@Module({ providers: [MirrorMetrics], exports: [MirrorMetrics] })
export class MetricsModule {}
