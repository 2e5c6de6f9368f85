/** Binary searches over arrays sorted by sid: O(log n), so locating page 19,000 costs what page 1 does. */
export interface HasSid {
  readonly sid: string;
}

/** First index whose sid is >= `sid`. */
export function lowerBound(items: readonly HasSid[], sid: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as HasSid).sid < sid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose sid is > `sid`. */
export function upperBound(items: readonly HasSid[], sid: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((items[mid] as HasSid).sid <= sid) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function findBySid<T extends HasSid>(items: readonly T[], sid: string): T | undefined {
  const index = lowerBound(items, sid);
  const item = items[index];
  return item !== undefined && item.sid === sid ? item : undefined;
}

/** Inserts keeping the order; returns false when the sid is already present. */
export function insertSorted<T extends HasSid>(items: T[], item: T): boolean {
  const index = lowerBound(items, item.sid);
  if (items[index]?.sid === item.sid) return false;
  items.splice(index, 0, item);
  return true;
}

export function removeSorted<T extends HasSid>(items: T[], sid: string): T | undefined {
  const index = lowerBound(items, sid);
  const item = items[index];
  if (item === undefined || item.sid !== sid) return undefined;
  items.splice(index, 1);
  return item;
}
