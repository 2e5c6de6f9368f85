import { findBySid, insertSorted, removeSorted } from './sorted-search';
import type { UserRecord } from './user.record';

/**
 * The users of one service, sorted by sid (Twilio's list order). There is no sid map: a binary search is as
 * good for fetches and saves ~50 MB per million users. The identity index is built on first use, because
 * bulk-generated identities are unique by construction and crawls fetch by sid.
 */
export class UserTable {
  private sorted: UserRecord[] = [];
  private byIdentity: Map<string, UserRecord> | null = null;

  get size(): number {
    return this.sorted.length;
  }

  /** Sorted view; callers must not mutate it. */
  get all(): readonly UserRecord[] {
    return this.sorted;
  }

  findBySid(sid: string): UserRecord | undefined {
    return findBySid(this.sorted, sid);
  }

  findByIdentity(identity: string): UserRecord | undefined {
    return this.identityIndex().get(identity);
  }

  hasIdentity(identity: string): boolean {
    return this.identityIndex().has(identity);
  }

  insert(user: UserRecord): void {
    if (!insertSorted(this.sorted, user)) throw new Error(`duplicate user sid ${user.sid}`);
    this.byIdentity?.set(user.identity, user);
  }

  remove(sid: string): UserRecord | undefined {
    const removed = removeSorted(this.sorted, sid);
    if (removed) this.byIdentity?.delete(removed.identity);
    return removed;
  }

  /** Merges a batch already sorted by sid in O(n + m). */
  mergeSorted(batch: readonly UserRecord[]): void {
    if (batch.length === 0) return;
    const current = this.sorted;
    const first = batch[0] as UserRecord;
    if (current.length === 0 || (current[current.length - 1] as UserRecord).sid < first.sid) {
      for (const user of batch) current.push(user);
    } else {
      this.sorted = mergeBySid(current, batch);
    }
    if (this.byIdentity) for (const user of batch) this.byIdentity.set(user.identity, user);
  }

  private identityIndex(): Map<string, UserRecord> {
    if (!this.byIdentity) {
      this.byIdentity = new Map();
      for (const user of this.sorted) this.byIdentity.set(user.identity, user);
    }
    return this.byIdentity;
  }
}

function mergeBySid(a: readonly UserRecord[], b: readonly UserRecord[]): UserRecord[] {
  const out = new Array<UserRecord>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const left = a[i] as UserRecord;
    const right = b[j] as UserRecord;
    if (left.sid === right.sid) throw new Error(`duplicate user sid ${left.sid}`);
    if (left.sid < right.sid) {
      out[k++] = left;
      i++;
    } else {
      out[k++] = right;
      j++;
    }
  }
  while (i < a.length) out[k++] = a[i++] as UserRecord;
  while (j < b.length) out[k++] = b[j++] as UserRecord;
  return out;
}
