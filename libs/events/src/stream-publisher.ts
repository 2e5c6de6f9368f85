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
}

/**
 * XADDs a batch in one round trip and stops at the first failure that is not "already there". A plain
 * pipeline would go on after a failed entry (OOM, failover), and the later entries' greater ids would then
 * make Redis refuse the failed one for good: it would pass for published and be lost. The script also saves
 * the client a command object and a reply per entry.
 * ARGV: maxlen, then id, type, event id, event JSON per entry. Returns {added, alreadyThere[, error]}.
 */
const XADD_BATCH = `
local added, dups = 0, 0
for i = 2, #ARGV, 4 do
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

type PublisherRedis = Redis & {
  mirrorXaddBatch(stream: string, ...args: (string | number)[]): Promise<[number, number, string?]>;
};

/**
 * Appends outbox rows to the Redis Stream with entry id = sequence: the stream is in sequence order, and an
 * event published again (after a crash between XADD and the mark) is refused by Redis as not growing the
 * ids, which counts as already published. The stream therefore holds each event once.
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
  }

  async publish(rows: RelayRow[]): Promise<PublishOutcome> {
    if (!rows.length) return { onStream: 0, alreadyThere: 0, error: null };
    const args: (string | number)[] = [this.maxLen];
    for (const row of rows) args.push(streamId(row.sequence), row.type, row.id, toStructuredJson(row));
    const [added, alreadyThere, failure] = await this.redis.mirrorXaddBatch(this.stream, ...args);
    return { onStream: added + alreadyThere, alreadyThere, error: failure ? new Error(`XADD refused: ${failure}`) : null };
  }

  /** The sequence of the stream's newest entry ('0' for none): what a new leader compares with the outbox. */
  async lastSequence(): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    return newest ? newest[0].slice(0, newest[0].indexOf('-')) : '0';
  }
}
