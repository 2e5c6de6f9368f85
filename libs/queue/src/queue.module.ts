import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { CrawlQueue } from './crawl-queue.service';
import { QueueFactory } from './queue.factory';

@Module({ imports: [RedisModule], providers: [QueueFactory, CrawlQueue], exports: [QueueFactory, CrawlQueue] })
export class QueueModule {}
