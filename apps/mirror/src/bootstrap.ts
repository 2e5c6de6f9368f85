import { AppConfig } from '@app/config';
import { prepareDatabase } from '@app/database';
import { createRootLogger } from '@app/logger';
import { INestApplication, INestApplicationContext, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AppModule } from './app.module';

export interface RunningMirror {
  app: INestApplicationContext;
  /** Set when the api role runs. */
  url: string | null;
  close(): Promise<void>;
}

/** Starts the roles in config.roles in this process: the service's main, and the tests' way in. */
export async function startMirror(config: AppConfig): Promise<RunningMirror> {
  const root = createRootLogger(config.logLevel);
  const prepared = await waitForDatabase(config.databaseUrl, root);
  root.info({ roles: [...config.roles], databaseCreated: prepared.created, migrations: prepared.migrations }, 'database ready');

  const module = AppModule.forRoles(config, root);
  let app: INestApplicationContext;
  let url: string | null = null;
  if (config.roles.has('api')) {
    // rawBody: webhook signatures cover the form body as Twilio sent it (req.rawBody), not as Express re-reads it.
    const http = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, rawBody: true });
    http.useLogger(http.get(NestPinoLogger));
    http.set('trust proxy', config.api.trustProxy);
    configureHttp(http);
    // A malformed request or a reset socket is the client's problem: answered (or dropped) and noted, never thrown.
    http.getHttpServer().on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      root.debug({ error: err.code ?? err.message }, 'bad HTTP request from a client');
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await http.listen(config.port, '0.0.0.0');
    const address = http.getHttpServer().address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : config.port}`;
    app = http;
  } else {
    app = await NestFactory.createApplicationContext(module, { bufferLogs: true });
    app.useLogger(app.get(NestPinoLogger));
    await app.init();
  }
  root.info({ roles: [...config.roles], url }, 'mirror started');
  return { app, url, close: () => app.close() };
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
