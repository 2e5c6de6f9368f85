import { Module } from '@nestjs/common';
import { CrawlProcessor } from './crawl.processor';
import { SyncModule } from './sync.module';

@Module({ imports: [SyncModule], providers: [CrawlProcessor] })
export class WorkerModule {}
