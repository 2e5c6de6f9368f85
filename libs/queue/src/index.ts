export * from './crawl-job';
export * from './queue.factory';
export * from './crawl-queue.service';
export * from './queue.module';
export * from './user-fetch-job';
export * from './user-fetch-queue.service';
