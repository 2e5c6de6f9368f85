import type Redis from 'ioredis';
import { toStructuredJson } from './cloud-event';
import { STREAM_FIELDS, streamId } from './stream-entry';
import type { RelayRow } from './user-event-row';

export interface PublishOutcome {
  /** Leading rows of the batch that are on the stream now, whether this call added them or an earlier one did. */
  onStream: number;
  /** Of those, how many an earlier publish had already added (a crash between XADD and the mark). */
  alreadyThere: number;
  /** The first failure; rows from it on were not published. */
  error: Error | null;
  /**
   * Set when nothing was written because the stream ends before the sequence it had to reach (it lost entries:
   * Redis restarted empty, or failed over to a replica that lagged): the sequence of its last id, '0' for none.
   */
  behind: string | null;
}

/**
 * The sequence of the stream's last id, '0' when the key is missing. The last *generated* id, not the newest
 * entry's: XDEL and XTRIM leave it, and Redis refuses any id at or below it, so it is what XADD compares with.
 * Sequences are decimal strings without leading zeros: compared by length, then as text (a Lua number is a
 * double, exact only to 2^53).
 */
const STREAM_LAST = `
local function stream_last(key)
  if redis.call('EXISTS', key) == 0 then return '0' end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return string.match(info[i + 1], '^%d+') end
  end
  return redis.error_reply('XINFO STREAM gave no last-generated-id')
end
local function seq_less(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end`;

/**
 * XADDs a batch in one round trip and stops at the first failure that is not "already there". A plain
 * pipeline would go on after a failed entry (OOM, failover), and the later entries' greater ids would then
 * make Redis refuse the failed one for good: it would pass for published and be lost. The script also saves
 * the client a command object and a reply per entry.
 * First, atomically with the appends, it checks that the stream reaches the sequence just before the batch:
 * a stream that lost its entries must be refilled before anything is appended, since the new, greater ids
 * would hide the gap for good (Redis refuses ids below the last one).
 * ARGV: maxlen, the sequence the stream must reach ('0': none), then id, type, event id, event JSON per entry.
 * Returns {added, alreadyThere[, error]}, or {0, 0, false, the stream's last sequence} when it is behind.
 */
const XADD_BATCH = `${STREAM_LAST}
if ARGV[2] ~= '0' then
  local last = stream_last(KEYS[1])
  if seq_less(last, ARGV[2]) then return {0, 0, false, last} end
end
local added, dups = 0, 0
for i = 3, #ARGV, 4 do
  local r = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], ARGV[i],
    '${STREAM_FIELDS.type}', ARGV[i + 1], '${STREAM_FIELDS.id}', ARGV[i + 2], '${STREAM_FIELDS.event}', ARGV[i + 3])
  if type(r) == 'table' and r.err then
    if string.find(r.err, 'equal or smaller', 1, true) then
      dups = dups + 1
    else
      return {added, dups, r.err}
    end
  else
    added = added + 1
  end
end
return {added, dups}`;

const LAST_SEQUENCE = `${STREAM_LAST}
return stream_last(KEYS[1])`;

type PublisherRedis = Redis & {
  mirrorXaddBatch(stream: string, ...args: (string | number)[]): Promise<[number, number, (string | null)?, string?]>;
  mirrorStreamLast(stream: string): Promise<string>;
};

/**
 * Appends outbox rows to the Redis Stream with entry id = sequence: the stream is in sequence order, and an
 * event published again (after a crash between XADD and the mark) is refused by Redis as not growing the
 * ids, which counts as already published. The stream therefore holds each event at most once.
 */
export class StreamPublisher {
  private readonly redis: PublisherRedis;

  constructor(
    redis: Redis,
    private readonly stream: string,
    private readonly maxLen: number,
  ) {
    this.redis = redis as PublisherRedis;
    if (!this.redis.mirrorXaddBatch) this.redis.defineCommand('mirrorXaddBatch', { numberOfKeys: 1, lua: XADD_BATCH });
    if (!this.redis.mirrorStreamLast) this.redis.defineCommand('mirrorStreamLast', { numberOfKeys: 1, lua: LAST_SEQUENCE });
  }

  /**
   * `reaches`: the sequence the stream must already end at (or beyond) for the batch to be appended, normally
   * the one just before the batch's first row; '0' appends whatever the stream holds.
   */
  async publish(rows: RelayRow[], reaches = '0'): Promise<PublishOutcome> {
    if (!rows.length) return { onStream: 0, alreadyThere: 0, error: null, behind: null };
    const args: (string | number)[] = [this.maxLen, reaches];
    for (const row of rows) args.push(streamId(row.sequence), row.type, row.id, toStructuredJson(row));
    const [added, alreadyThere, failure, behind] = await this.redis.mirrorXaddBatch(this.stream, ...args);
    if (behind !== undefined) return { onStream: 0, alreadyThere: 0, error: null, behind };
    return { onStream: added + alreadyThere, alreadyThere, error: failure ? new Error(`XADD refused: ${failure}`) : null, behind: null };
  }

  /** The sequence of the stream's last id ('0' for no stream): what the relay compares with the outbox. */
  lastSequence(): Promise<string> {
    return this.redis.mirrorStreamLast(this.stream);
  }
}
