import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule as PinoLoggerModule } from 'nestjs-pino';
import { Logger } from 'pino';
import { safeError } from './root-logger';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * `{tokenName}` of a request the auth guard let through (libs/auth attaches `principal`; read structurally, so the
 * logger depends on no auth code): the name of the token, never the token.
 */
export function tokenNameOf(req: object): { tokenName?: string } {
  const name = (req as { principal?: { name?: unknown } }).principal?.name;
  return typeof name === 'string' ? { tokenName: name } : {};
}

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
          // The user reads are the hot path (thousands a second from internal services): a per-request logger
          // and its async context cost about as much as the query. Their errors are still logged by the
          // exception filter; everything else keeps its access line.
          exclude: [
            { method: RequestMethod.GET, path: 'v1/users/:sid' },
            { method: RequestMethod.GET, path: 'v1/services/:serviceSid/users' },
            { method: RequestMethod.GET, path: 'v1/services/:serviceSid/users/:user' },
            { method: RequestMethod.GET, path: 'twilio/v1/Services/:serviceSid/Users' },
            { method: RequestMethod.GET, path: 'twilio/v1/Services/:serviceSid/Users/:user' },
            // Twilio's webhooks come in bursts of hundreds a second; the receiver logs what is worth a line
            // (rejected, ignored, not recorded), not each hook taken.
            { method: RequestMethod.POST, path: 'webhooks/twilio' },
            { method: RequestMethod.GET, path: 'webhooks/twilio' },
          ],
          pinoHttp: {
            logger: root,
            serializers: { err: safeError }, // pino-http would otherwise bring back pino's full error serializer
            autoLogging: { ignore: (req) => /^\/(health(\/live|\/ready)?|metrics)(\?|$)/.test(req.url ?? '') }, // probes and scrapes
            quietReqLogger: true,
            // Evaluated again when the response is logged, after the auth guard named the request's token.
            customProps: (req) => tokenNameOf(req),
          },
        }),
      ],
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [ROOT_LOGGER],
    };
  }
}
