import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SimAdminService } from './admin/sim-admin.service';
import { SimRuntime } from './config/sim-runtime.service';
import {
  SIM_DEFAULT_ACCOUNT_SID,
  SIM_DEFAULT_API_KEY_SECRET,
  SIM_DEFAULT_API_KEY_SID,
  SIM_DEFAULT_AUTH_TOKEN,
} from './config/sim.constants';
import { resolveSimulatorConfig, type SimulatorConfig, type SimulatorOptions } from './config/simulator-options';
import { TwilioSimModule } from './twilio-sim.module';

export interface RunningSimulator {
  /** http://127.0.0.1:PORT (the loopback address when bound to a wildcard host). */
  readonly url: string;
  readonly port: number;
  /** Credentials of the default account. */
  readonly accountSid: string;
  readonly authToken: string;
  readonly apiKeySid: string;
  readonly apiKeySecret: string;
  /** Services seeded from options.services, in creation order. */
  readonly serviceSids: readonly string[];
  /** The service behind /admin, callable directly. */
  readonly admin: SimAdminService;
  close(): Promise<void>;
}

/** Starts a simulator in this process; seeds options.services before it starts listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveSimulatorConfig(options);
  const app = await NestFactory.create<NestExpressApplication>(TwilioSimModule.forRoot(config), {
    logger: ['error', 'warn'],
    bodyParser: false,
    abortOnError: false,
    forceCloseConnections: true,
  });
  app.useBodyParser('json', { limit: '10mb' });
  // Twilio's write endpoints take form parameters; `extended: false` keeps a repeated name (Filters) as a list.
  app.useBodyParser('urlencoded', { extended: false, limit: '1mb' });
  app.disable('x-powered-by');
  // Express would hash every page for an ETag; Twilio sends none and benchmarks pay for it.
  app.set('etag', false);

  const admin = app.get(SimAdminService);
  const serviceSids = seedServices(admin, config);
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    await app.close();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://${clientHost(config.host)}:${port}`;
  app.get(SimRuntime).url = url;

  return {
    url,
    port,
    accountSid: SIM_DEFAULT_ACCOUNT_SID,
    authToken: SIM_DEFAULT_AUTH_TOKEN,
    apiKeySid: SIM_DEFAULT_API_KEY_SID,
    apiKeySecret: SIM_DEFAULT_API_KEY_SECRET,
    serviceSids,
    admin,
    close: () => app.close(),
  };
}

function seedServices(admin: SimAdminService, config: SimulatorConfig): string[] {
  const sids: string[] = [];
  for (const group of config.services) {
    for (let i = 0; i < group.services; i++) {
      const service = admin.createService({ friendlyName: `Sim Service ${sids.length + 1}` });
      admin.bulkCreateUsers(service.sid, { count: group.usersPerService });
      sids.push(service.sid);
    }
  }
  return sids;
}

function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
