import { AppConfig, ConfigModule, loadConfig } from '@app/config';
import { createRootLogger, LoggerModule } from '@app/logger';
import { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { createTestDatabase, TestDatabase } from './test-database';
import { REDIS_URL, testRedisPrefix } from './test-redis';

export interface IntModule {
  module: TestingModule;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/**
 * The middle test tier: some of the service's modules against a migrated database and a Redis prefix of the test
 * file's own, without HTTP, processes or the simulator.
 */
export async function startIntModule(label: string, imports: Type[], env: Record<string, string> = {}): Promise<IntModule> {
  const db = await createTestDatabase(label);
  const redis = testRedisPrefix(label);
  const config = loadConfig({
    DATABASE_URL: db.url,
    REDIS_URL,
    QUEUE_PREFIX: redis.prefix,
    TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32),
    TWILIO_AUTH_TOKEN: 'int-test-token',
    TWILIO_BASE_URL: 'http://127.0.0.1:9',
    ROLES: 'worker',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const module = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(createRootLogger(config.logLevel, 'int-test')), ...imports],
  }).compile();
  await module.init();
  return {
    module,
    db,
    config,
    async close() {
      await module.close();
      await db.drop();
      await redis.cleanup();
    },
  };
}
