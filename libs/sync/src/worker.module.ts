import { QueueModule } from '@app/queue';
import { Module } from '@nestjs/common';
import { CrawlProcessor } from './crawl.processor';
import { SyncModule } from './sync.module';

/** The worker role: crawl jobs from the queue, run by CrawlRun. */
@Module({ imports: [SyncModule, QueueModule], providers: [CrawlProcessor] })
export class WorkerModule {}
