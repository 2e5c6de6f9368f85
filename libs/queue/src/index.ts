export * from './crawl-job';
export * from './queue.factory';
export * from './crawl-queue.service';
export * from './queue.module';
