import type { MirrorUser, UserChange } from '@app/domain';
import { SIM_ACCOUNT } from './bench-env';

/** A user as the benchmarks' events carry it: a realistic size, attributes nested a little. */
export function benchUser(n: number, serviceSid: string): MirrorUser {
  const sid = 'US' + n.toString(16).padStart(32, '0');
  const url = `https://conversations.twilio.com/v1/Services/${serviceSid}/Users/${sid}`;
  return {
    sid,
    account_sid: SIM_ACCOUNT,
    chat_service_sid: serviceSid,
    role_sid: 'RL' + 'f'.repeat(32),
    identity: `bench-user-${n}@example.com`,
    friendly_name: `Bench User ${n}`,
    attributes: { department: 'support', level: n % 7, tags: ['a', 'b'], profile: { locale: 'en-US', tz: 'Europe/Paris' } },
    is_online: null,
    is_notifiable: null,
    date_created: '2025-01-01T00:00:00Z',
    date_updated: '2025-06-01T00:00:00Z',
    url,
    links: { user_conversations: `${url}/Conversations` },
  };
}

/** A crawl page's worth (`size`) of `updated` events, users `from`…, renamed. */
export function renamedPage(from: number, size: number, serviceSid: string): UserChange[] {
  return Array.from({ length: size }, (_, i) => {
    const before = benchUser(from + i, serviceSid);
    const after = { ...before, friendly_name: `${before.friendly_name} (renamed)`, date_updated: '2025-07-01T00:00:00Z' };
    return { op: 'updated', before, after, changed: ['friendly_name', 'date_updated'], version: 2 };
  });
}
