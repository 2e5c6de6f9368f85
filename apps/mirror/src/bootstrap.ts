import { AppConfig, configuredSecrets } from '@app/config';
import { prepareDatabase } from '@app/database';
import { createRootLogger } from '@app/logger';
import { registerSecrets } from '@app/redaction';
import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { StartupQuietLogger } from './startup-quiet.logger';

export interface RunningMirror {
  app: INestApplicationContext;
  /** Set when the api role runs. */
  url: string | null;
  /** Every process's HTTP server (the api's when it runs): /metrics and /health on PORT. */
  httpUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the roles in config.roles in this process: the service's main, and the tests' way in. Every process
 * serves HTTP on PORT: the api role its routes, and every role /metrics and /health (libs/metrics, libs/health).
 * A process without the api role is the same Nest HTTP application with only those routes, so that the
 * routes, their guard and their logging are one code path, not a second server written by hand.
 */
export async function startMirror(config: AppConfig): Promise<RunningMirror> {
  // Before anything can log or fail: every line and every stored error text is redacted of these.
  registerSecrets(configuredSecrets(config));
  const root = createRootLogger(config.logLevel);
  const prepared = await waitForDatabase(config.databaseUrl, root);
  root.info({ roles: [...config.roles], databaseCreated: prepared.created, migrations: prepared.migrations }, 'database ready');

  const api = config.roles.has('api');
  // rawBody: webhook signatures cover the form body as Twilio sent it (req.rawBody), not as Express re-reads it.
  const http = await NestFactory.create<NestExpressApplication>(AppModule.forRoles(config, root), { bufferLogs: true, rawBody: true });
  http.useLogger(new StartupQuietLogger(http.get(NestPinoLogger)));
  http.set('trust proxy', config.api.trustProxy);
  if (api) configureHttp(http);
  // A malformed request or a reset socket is the client's problem: answered (or dropped) and noted, never thrown.
  http.getHttpServer().on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    root.debug({ error: err.code ?? err.message }, 'bad HTTP request from a client');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  try {
    await http.listen(config.port, '0.0.0.0');
  } catch (e) {
    await http.close().catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`PORT ${config.port} is in use: each process needs a port of its own for /metrics and /health (PORT=0 picks a free one)`);
    }
    throw e;
  }
  const address = http.getHttpServer().address();
  const httpUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.port}`;
  const url = api ? httpUrl : null;
  root.info({ roles: [...config.roles], url: httpUrl }, 'mirror started');
  return { app: http, url, httpUrl, close: () => http.close() };
}

/** Postgres still starting (compose, a restart): start-up waits up to this long for it, saying so. */
const DATABASE_WAIT_MS = 60_000;
const DATABASE_DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '57P01']);

async function waitForDatabase(url: string, log: Logger): Promise<{ created: boolean; migrations: string[] }> {
  const deadline = Date.now() + DATABASE_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await prepareDatabase(url);
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!DATABASE_DOWN.has(code) || Date.now() > deadline) throw e;
      const wait = Math.min(5000, 250 * 2 ** attempt);
      log.warn({ error: code, retryInMs: wait }, 'Postgres is not answering yet; waiting for it');
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export function configureHttp(app: INestApplication): void {
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  const doc = new DocumentBuilder()
    .setTitle('Twilio Conversations user mirror')
    .setDescription('Queries over the local mirror of Twilio Conversations users, sync status and the change feed.')
    .setVersion('1')
    .addBearerAuth()
    .addBasicAuth() // the Twilio-compatible surface: account sid : API token, as the twilio SDK sends it
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), { jsonDocumentUrl: 'docs/openapi.json' });
}
