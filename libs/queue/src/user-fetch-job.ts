export const USER_FETCH_QUEUE = 'user-fetch';

/** A webhook's hint: this user of this service may have changed; a point fetch reads what it is now. */
export interface UserFetchJobData {
  accountSid: string;
  serviceSid: string;
  /** The user's sid, or its identity when the hook named no sid. */
  user: string;
  /** When the hint was received (epoch ms): a hint that came while the user's last fetch ran marks the user hot. */
  hintedAt: number;
  /** Consecutive 429s: the exponent of the next backoff. */
  throttleStreak?: number;
}

/** One waiting fetch per user: hints for a user whose fetch has not started yet are merged into it. */
export function userFetchDedupId(serviceSid: string, user: string): string {
  return `user:${serviceSid}:${user}`;
}
