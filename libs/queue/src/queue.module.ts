import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { CrawlQueue } from './crawl-queue.service';
import { QueueFactory } from './queue.factory';
import { UserFetchQueue } from './user-fetch-queue.service';

@Module({ imports: [RedisModule], providers: [QueueFactory, CrawlQueue, UserFetchQueue], exports: [QueueFactory, CrawlQueue, UserFetchQueue] })
export class QueueModule {}
