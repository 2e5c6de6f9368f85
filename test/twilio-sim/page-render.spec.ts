import { resolveSimulatorConfig } from '../../apps/twilio-sim/src/config/simulator-options';
import { generateUserBatch } from '../../apps/twilio-sim/src/generator/user-batch.factory';
import { SimStore } from '../../apps/twilio-sim/src/store/sim-store.service';
import { encodePageToken } from '../../apps/twilio-sim/src/twilio/page-token';
import { TwilioReadService, type ReadRequest } from '../../apps/twilio-sim/src/twilio/twilio-read.service';
import { SIM_DEFAULT_ACCOUNT_SID } from '@app/twilio-sim';

/**
 * A page deep in a large service is found by its token (a search in the sorted users), not by walking from the first
 * page. How fast a page renders is measured by bench/simulator (run on demand), not here.
 */
test('a 50-user page deep in 100,000 users is the right one, found from its token', () => {
  const store = new SimStore(resolveSimulatorConfig({}));
  const account = store.account(SIM_DEFAULT_ACCOUNT_SID)!;
  const service = store.addService(account, 'IS00000000000000000000000000000001', 'render');
  service.users.mergeSorted(generateUserBatch({ count: 100_000, seed: 1, firstOrdinal: 1, roleSids: service.roleSids }).users);
  const read = new TwilioReadService(store);
  const request = (search: string): ReadRequest => ({ account, origin: 'http://127.0.0.1:4010', path: '/v1/Services/x/Users', search });
  const deepSid = service.users.all[75_000 - 1].sid;
  const deep = request(`PageSize=50&Page=1500&PageToken=${encodePageToken(service.sid, { page: 1500, direction: 'after', sid: deepSid })}`);
  const first = request('PageSize=50');

  const body = JSON.parse(read.listUsers(deep, service.sid));
  expect(body.users).toHaveLength(50);
  expect(body.users[0].sid).toBe(service.users.all[75_000].sid);

  const firstPage = JSON.parse(read.listUsers(first, service.sid));
  expect(firstPage.users.map((u: { sid: string }) => u.sid)).toEqual(service.users.all.slice(0, 50).map((u) => u.sid));
});
