import { AuthModule, BrowserBasicAuthMiddleware } from '@app/auth';
import { CrawlQueue, QueueModule } from '@app/queue';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';

export const QUEUES_BOARD_PATH = '/admin/queues';

/**
 * Bull Board at /admin/queues: the crawl queue's jobs, for a person's browser, behind the status page's HTTP
 * Basic. Read-only: the tokens it takes are read-API tokens, which must not be able to delete or retry jobs.
 */
@Module({ imports: [AuthModule, QueueModule] })
export class QueuesBoardModule implements NestModule {
  constructor(private readonly crawls: CrawlQueue) {}

  configure(consumer: MiddlewareConsumer): void {
    const board = new ExpressAdapter();
    board.setBasePath(QUEUES_BOARD_PATH);
    createBullBoard({
      queues: [new BullMQAdapter(this.crawls.queue, { readOnlyMode: true, description: 'One crawl job per service; 429s park a job as delayed' })],
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Mirror queues' } },
    });
    consumer.apply(BrowserBasicAuthMiddleware, board.getRouter()).forRoutes(QUEUES_BOARD_PATH, `${QUEUES_BOARD_PATH}/*path`);
  }
}
