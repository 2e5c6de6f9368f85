import { OutboxRepository } from '@app/events';
import { Module } from '@nestjs/common';
import { CrawlLocks } from './crawl-lock';
import { CrawlService } from './crawl.service';
import { DeletionSweep } from './deletion-sweep.service';
import { PageWriter } from './page-writer.service';
import { ServicesRepository } from './services.repository';
import { SyncRunsRepository } from './sync-runs.repository';
import { TwilioAccounts } from './twilio-accounts.service';
import { UsersRepository } from './users.repository';

/** Crawling and writing the mirror. The worker role adds CrawlProcessor on top (see WorkerModule). */
@Module({
  providers: [TwilioAccounts, UsersRepository, SyncRunsRepository, ServicesRepository, OutboxRepository, PageWriter, DeletionSweep, CrawlLocks, CrawlService],
  exports: [TwilioAccounts, UsersRepository, SyncRunsRepository, ServicesRepository, PageWriter, CrawlService],
})
export class SyncModule {}
