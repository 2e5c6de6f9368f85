import { Global, Module } from '@nestjs/common';
import { CrawlQueue } from './crawl-queue.service';
import { QueueFactory } from './queue.factory';

@Global()
@Module({ providers: [QueueFactory, CrawlQueue], exports: [QueueFactory, CrawlQueue] })
export class QueueModule {}
