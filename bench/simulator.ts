/**
 * bench/simulator: how long the simulator takes to render a 50-user page of a 100,000-user service, first and deep.
 * It is the upstream of every throughput benchmark, so its own cost must stay far below a request's.
 *
 *   npm run build && node dist/bench/simulator.js
 */
import { performance } from 'node:perf_hooks';
import { SIM_DEFAULT_ACCOUNT_SID } from '@app/twilio-sim';
import { resolveSimulatorConfig } from '../apps/twilio-sim/src/config/simulator-options';
import { generateUserBatch } from '../apps/twilio-sim/src/generator/user-batch.factory';
import { SimStore } from '../apps/twilio-sim/src/store/sim-store.service';
import { encodePageToken } from '../apps/twilio-sim/src/twilio/page-token';
import { TwilioReadService, type ReadRequest } from '../apps/twilio-sim/src/twilio/twilio-read.service';

const store = new SimStore(resolveSimulatorConfig({}));
const account = store.account(SIM_DEFAULT_ACCOUNT_SID)!;
const service = store.addService(account, 'IS00000000000000000000000000000001', 'render');
service.users.mergeSorted(generateUserBatch({ count: 100_000, seed: 1, firstOrdinal: 1, roleSids: service.roleSids }).users);
const read = new TwilioReadService(store);
const request = (search: string): ReadRequest => ({ account, origin: 'http://127.0.0.1:4010', path: '/v1/Services/x/Users', search });
const deepSid = service.users.all[75_000 - 1].sid;
const pages = {
  first: request('PageSize=50'),
  deep: request(`PageSize=50&Page=1500&PageToken=${encodePageToken(service.sid, { page: 1500, direction: 'after', sid: deepSid })}`),
};
for (const [name, req] of Object.entries(pages)) {
  for (let i = 0; i < 300; i++) read.listUsers(req, service.sid); // warm up
  const rounds = 5000;
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) read.listUsers(req, service.sid);
  console.log(`bench/simulator: ${name} page of 50 users rendered in ${((performance.now() - t0) / rounds).toFixed(3)} ms (mean of ${rounds})`);
}
