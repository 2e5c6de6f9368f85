import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { METRIC_PREFIX, MirrorMetrics } from '../mirror-metrics';
import { MirrorStateRepository } from './mirror-state.repository';
import { ScrapeReading } from './scrape-reading';

/**
 * Each service's last successful crawl, from services.last_success_at at scrape time: it survives restarts and
 * does not depend on which worker crawled the service, which a staleness alert needs
 * (`time() - max by (service_sid) (twilio_mirror_last_success_timestamp_seconds) > …`).
 */
@Injectable()
export class ServicesGauges {
  constructor(metrics: MirrorMetrics, state: MirrorStateRepository, @Inject(ROOT_LOGGER) logger: Logger) {
    const reading = new ScrapeReading('postgres', () => state.lastSuccesses(), metrics, logger.child({ component: 'metrics' }));
    new Gauge({
      name: `${METRIC_PREFIX}last_success_timestamp_seconds`,
      help: 'When the last successful crawl of the service ended (Unix time)',
      labelNames: ['service_sid'] as const,
      registers: [metrics.registry],
      async collect() {
        const rows = await reading.get();
        this.reset();
        for (const r of rows ?? []) this.set({ service_sid: r.serviceSid }, r.at);
      },
    });
  }
}
