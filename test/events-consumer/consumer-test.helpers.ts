import Redis from 'ioredis';
import type { CloudEventJson, ConsumerLogger, UserEventOp } from '@app/events-consumer';

const SERVICE = 'IS' + '0'.repeat(32);
const ACCOUNT = 'AC' + '0'.repeat(32);

export function userSid(n: number): string {
  return 'US' + n.toString(16).padStart(32, '0');
}

/** An event shaped like the relay's, for sequence `seq`. */
export function userEvent(seq: number, op: UserEventOp = 'updated'): CloudEventJson {
  const user = {
    sid: userSid(seq),
    account_sid: ACCOUNT,
    chat_service_sid: SERVICE,
    role_sid: null,
    identity: `user-${seq}`,
    friendly_name: `User ${seq}`,
    attributes: { secret: 'not for logs' },
    is_online: null,
    is_notifiable: null,
    date_created: '2024-01-01T00:00:00Z',
    date_updated: '2024-01-02T00:00:00Z',
    url: null,
    links: null,
  };
  return {
    specversion: '1.0',
    id: `00000000-0000-4000-8000-${seq.toString().padStart(12, '0')}`,
    source: `/twilio/accounts/${ACCOUNT}/services/${SERVICE}`,
    type: `io.github.twilio-mirror.conversations.user.${op}`,
    subject: user.sid,
    time: new Date(Date.UTC(2024, 0, 1) + seq * 1000).toISOString(),
    sequence: String(seq),
    datacontenttype: 'application/json',
    data: {
      op,
      before: op === 'created' ? null : { ...user, friendly_name: 'Before' },
      after: op === 'deleted' ? null : user,
      changed: op === 'updated' ? ['friendly_name'] : ['friendly_name', 'identity'],
    },
  };
}

/** XADD the way the relay does (libs/events/src/stream-entry.ts): id `<sequence>-0`, fields type, id, event. */
export async function publish(redis: Redis, stream: string, seqs: number[]): Promise<void> {
  const p = redis.pipeline();
  for (const seq of seqs) {
    const e = userEvent(seq);
    p.xadd(stream, `${seq}-0`, 'type', e.type, 'id', e.id, 'event', JSON.stringify(e));
  }
  await p.exec();
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Until the group has delivered every entry of the stream and has nothing pending: from then on nothing can be
 * delivered again (acknowledged entries never are), so what a handler saw is final.
 */
export async function drained(redis: Redis, stream: string, group: string): Promise<void> {
  await waitFor(`group ${group} to have delivered and acknowledged every entry`, async () => {
    const [last] = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    const info = groups.map((g) => Object.fromEntries(chunk(g))).find((g) => g.name === group);
    return info !== undefined && info['last-delivered-id'] === last?.[0] && Number(info.pending) === 0;
  });
}

/** Until a connection named `name` (CLIENT SETNAME) is blocked in XREADGROUP. */
export async function blockedInRead(redis: Redis, name?: string): Promise<void> {
  await waitFor('a consumer to be blocked in XREADGROUP', async () =>
    String(await redis.client('LIST'))
      .split('\n')
      .some((line) => line.includes('cmd=xreadgroup') && / flags=\S*b/.test(line) && (name === undefined || line.includes(` name=${name} `))),
  );
}

function chunk(list: unknown[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < list.length; i += 2) out.push([String(list[i]), list[i + 1]]);
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const [count] = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return Number(count);
}

/** Dead-letter entries as objects of their fields. */
export async function deadLetters(redis: Redis, stream: string): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => {
    const o: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) o[fields[i]] = fields[i + 1];
    return o;
  });
}

/** Keeps test output clean while letting a test look at what was logged. */
export function recordingLogger(): ConsumerLogger & { lines: { level: string; msg: string; obj: object }[] } {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => lines.push({ level, msg, obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(e: Error): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
