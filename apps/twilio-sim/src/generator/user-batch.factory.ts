import { Prng } from '../common/prng';
import { sidFromWords } from '../common/sid';
import { UserRecord } from '../store/user.record';
import { attributesPool } from './attributes.generator';
import { FRIENDLY_NAMES } from './friendly-names';
import { IdentityStream } from './identity.stream';

export interface UserBatchRequest {
  count: number;
  seed: number;
  firstOrdinal: number;
  roleSids: readonly string[];
  /** Rejects identities already used in the service (only needed once users were created by hand). */
  isTaken?: (identity: string) => boolean;
}

export interface UserBatch {
  /** Sorted by sid. */
  users: UserRecord[];
  nextOrdinal: number;
}

const EPOCH_START = Date.UTC(2016, 0, 1) / 1000;
const EPOCH_END = Date.UTC(2025, 0, 1) / 1000;
const TWO_YEARS = 2 * 365 * 86400;
/** Sort keys pack (32-bit sid prefix, index) into a float64: 32 + 21 bits fit the 53-bit mantissa. */
const INDEX_RANGE = 2 ** 21;
const ATTRIBUTE_POOL_SIZE = 1024;

/** Generates `count` varied users, reproducible from `seed`, returned in sid order. */
export function generateUserBatch(request: UserBatchRequest): UserBatch {
  const { count, roleSids, isTaken } = request;
  if (count >= INDEX_RANGE) throw new Error(`a batch holds fewer than ${INDEX_RANGE} users`);
  const prng = new Prng(request.seed);
  const pool = attributesPool(prng, Math.min(ATTRIBUTE_POOL_SIZE, Math.max(16, count)));
  const identities = new IdentityStream(prng, request.firstOrdinal);
  const users = new Array<UserRecord>(count);
  const keys = new Float64Array(count);
  for (let made = 0; made < count; made++) {
    let identity = identities.next();
    while (isTaken?.(identity)) identity = identities.next();
    const hi = prng.uint32();
    const sid = sidFromWords('US', hi, prng.uint32(), prng.uint32(), prng.uint32());
    const created = EPOCH_START + prng.int(EPOCH_END - EPOCH_START);
    const updated = prng.chance(0.4) ? created : created + prng.int(Math.min(TWO_YEARS, EPOCH_END - created) + 1);
    const nameRoll = prng.int(10);
    users[made] = new UserRecord(
      sid,
      identity,
      nameRoll < 2 ? null : nameRoll === 9 ? identity : prng.pick(FRIENDLY_NAMES),
      pool[prng.int(pool.length)],
      prng.chance(0.15) ? null : prng.pick(roleSids),
      presence(prng),
      presence(prng),
      created,
      updated,
    );
    keys[made] = hi * INDEX_RANGE + made;
  }
  return { users: sortBySid(users, keys), nextOrdinal: identities.nextOrdinal };
}

function presence(prng: Prng): boolean | null {
  const roll = prng.int(10);
  return roll < 5 ? null : roll < 7;
}

/** A numeric typed-array sort is several times faster than sorting records with a string comparator. */
function sortBySid(users: UserRecord[], keys: Float64Array): UserRecord[] {
  keys.sort();
  const sorted = new Array<UserRecord>(users.length);
  for (let i = 0; i < keys.length; i++) sorted[i] = users[keys[i] % INDEX_RANGE];
  // Users sharing a 32-bit prefix are ordered by index, not by sid: fix those rare runs by full comparison.
  for (let i = 1; i < keys.length; i++) {
    if (Math.floor(keys[i] / INDEX_RANGE) !== Math.floor(keys[i - 1] / INDEX_RANGE)) continue;
    for (let j = i; j > 0 && sorted[j - 1].sid >= sorted[j].sid; j--) {
      if (sorted[j - 1].sid === sorted[j].sid) throw new Error(`duplicate user sid ${sorted[j].sid}`);
      [sorted[j - 1], sorted[j]] = [sorted[j], sorted[j - 1]];
    }
  }
  return sorted;
}
