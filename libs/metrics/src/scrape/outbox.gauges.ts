import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { METRIC_PREFIX, MirrorMetrics } from '../mirror-metrics';
import { MirrorStateRepository, OutboxBacklog } from './mirror-state.repository';
import { ScrapeReading } from './scrape-reading';

/**
 * The outbox's backlog and the relay's lag, read from Postgres at scrape time: the relay itself need not report,
 * and every process shows the same values (aggregate with max, not sum).
 */
@Injectable()
export class OutboxGauges {
  constructor(metrics: MirrorMetrics, state: MirrorStateRepository, @Inject(ROOT_LOGGER) logger: Logger) {
    const reading = new ScrapeReading<OutboxBacklog>('postgres', () => state.outboxBacklog(), metrics, logger.child({ component: 'metrics' }));
    new Gauge({
      name: `${METRIC_PREFIX}outbox_unpublished`,
      help: 'Events in the outbox not yet published to the Redis Stream (event_sequence.last - relay_state.published_through)',
      registers: [metrics.registry],
      async collect() {
        // Unknown is NaN: a gauge without labels cannot be left out, and 0 would read as "caught up".
        this.set((await reading.get())?.unpublished ?? NaN);
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}relay_lag_seconds`,
      help: 'Age of the oldest unpublished outbox event (0 when the relay is caught up)',
      registers: [metrics.registry],
      async collect() {
        this.set((await reading.get())?.lagSeconds ?? NaN);
      },
    });
  }
}
