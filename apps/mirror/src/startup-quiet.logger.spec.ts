import { LoggerService } from '@nestjs/common';
import { StartupQuietLogger } from './startup-quiet.logger';

describe('StartupQuietLogger', () => {
  it("moves Nest's start-up lines (modules, routes) to debug and passes everything else on as it came", () => {
    const calls: [string, unknown[]][] = [];
    const record = (level: string) => (...args: unknown[]) => void calls.push([level, args]);
    const inner: LoggerService = { log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug'), verbose: record('verbose'), fatal: record('fatal') };
    const logger = new StartupQuietLogger(inner);
    logger.log('Mapped {/v1/services, GET} route', 'RouterExplorer');
    logger.log('ReadApiModule dependencies initialized', 'InstanceLoader');
    logger.log('UsersController {/v1/users}:', 'RoutesResolver');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log('something the service says', 'CrawlRun');
    logger.warn('careful', 'RouterExplorer');
    logger.error('broken', 'stack', 'ExceptionsHandler');
    expect(calls).toEqual([
      ['debug', ['Mapped {/v1/services, GET} route', 'RouterExplorer']],
      ['debug', ['ReadApiModule dependencies initialized', 'InstanceLoader']],
      ['debug', ['UsersController {/v1/users}:', 'RoutesResolver']],
      ['debug', ['Nest application successfully started', 'NestApplication']],
      ['log', ['something the service says', 'CrawlRun']],
      ['warn', ['careful', 'RouterExplorer']],
      ['error', ['broken', 'stack', 'ExceptionsHandler']],
    ]);
  });
});
