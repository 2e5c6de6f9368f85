import { AccountsModule } from '@app/accounts';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { MirrorWriterModule } from '@app/mirror-writer';
import { Module } from '@nestjs/common';
import { CrawlLocks } from './crawl-lock';
import { CrawlRun } from './crawl-run';
import { DeletionSweep } from './deletion-sweep.service';
import { SweepRepository } from './sweep.repository';
import { SyncRunsRepository } from './sync-runs.repository';

/** Crawling a service into the mirror (CrawlRun), with its runs, locks and deletion sweep. */
@Module({
  imports: [AccountsModule, DatabaseModule, MirrorWriterModule, MetricsModule],
  providers: [SyncRunsRepository, SweepRepository, DeletionSweep, CrawlLocks, CrawlRun],
  exports: [CrawlRun],
})
export class SyncModule {}
