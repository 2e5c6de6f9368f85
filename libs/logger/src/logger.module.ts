import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import { Logger } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * One pino instance for the process: nestjs-pino logs HTTP requests and Nest's own lines through it,
 * and workers take children of it so service, run and page ride on every line.
 */
@Module({})
export class LoggerModule {
  static forRoot(root: Logger): DynamicModule {
    return {
      module: LoggerModule,
      global: true,
      imports: [
        PinoLoggerModule.forRoot({
          pinoHttp: {
            logger: root,
            autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
            quietReqLogger: true,
          },
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [ROOT_LOGGER],
    };
  }
}
