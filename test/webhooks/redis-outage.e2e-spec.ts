import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Harness, startHarness, waitFor } from '../support/mirror-harness';
import { startThrowawayRedis, ThrowawayRedis } from '../support/throwaway-redis';
import { sendHook, userEvent } from './support/signed-hooks';

const run = promisify(execFile);

/**
 * Redis not answering: the receiver still answers within Twilio's 5 s (503: the hint is not recorded), and once
 * Redis is back hooks are taken again. On a Redis of the test's own, since it is made to stall.
 */
describe('webhook receiver while Redis does not answer', () => {
  let redis: ThrowawayRedis;
  let h: Harness;
  const PUBLIC_URL = 'https://hooks.example.test/twilio';

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    h = await startHarness('hooks_redis', { roles: 'api,worker,scheduler', sim: { services: '1x5' }, env: { REDIS_URL: redis.url, WEBHOOK_PUBLIC_URL: PUBLIC_URL } });
    await h.crawlAll();
  });
  afterAll(async () => {
    await run('redis-cli', ['-p', String(redis.port), 'CLIENT', 'UNPAUSE']).catch(() => undefined);
    await h?.close();
    await redis?.close();
  });

  it('answers 503 within the deadline, not when Redis comes back; then takes hooks again', async () => {
    const [serviceSid] = h.sim.serviceSids;
    const [user, other] = h.sim.admin.exportUsers(serviceSid);
    const hook = (sid: string) => sendHook(`${h.mirror.url}/webhooks/twilio`, PUBLIC_URL, h.sim.authToken, userEvent('onUserUpdated', h.sim.accountSid, serviceSid, sid));
    h.sim.admin.updateUser(serviceSid, user.sid, { friendlyName: 'changed during the outage' });
    await run('redis-cli', ['-p', String(redis.port), 'CLIENT', 'PAUSE', '5000', 'ALL']);
    let answer;
    try {
      answer = await hook(user.sid);
    } finally {
      // (Answered when the pause ends: the unpause waits in line like any other command.)
      await run('redis-cli', ['-p', String(redis.port), 'CLIENT', 'UNPAUSE']);
    }
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 503, message: 'the hint could not be recorded in time' });
    expect(answer.ms).toBeGreaterThanOrEqual(2900);
    expect(answer.ms).toBeLessThan(5000);

    h.sim.admin.updateUser(serviceSid, other.sid, { friendlyName: 'changed after the outage' });
    expect((await hook(other.sid)).status).toBe(200);
    await waitFor(async () => {
      const [row] = await h.db.dataSource.query('SELECT friendly_name FROM users WHERE sid = $1', [other.sid]);
      return row.friendly_name === 'changed after the outage';
    }, 'the hook after the outage to be applied');
  });
});
