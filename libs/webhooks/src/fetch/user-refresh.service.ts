import { ServicesRepository, TwilioAccounts } from '@app/accounts';
import { MirrorWriter, observeUsers, WriteResult, WriteScope } from '@app/mirror-writer';
import { isUserSid, TwilioAuthError, TwilioClient, TwilioNotFoundError, TwilioRateLimitError, TwilioRequestError } from '@app/twilio';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { UsersByIdentity } from './users-by-identity.repository';

const TWILIO_NOT_FOUND = 20404;

export interface UserHint {
  accountSid: string;
  serviceSid: string;
  /** A user sid, or an identity. */
  user: string;
}

export type RefreshOutcome =
  /** The user's current state went through the writer (an event if, and only if, it changed). */
  | { kind: 'written'; result: WriteResult }
  /** Twilio answered 20404 for the user of a service that exists: tombstoned (`deleted` 0 if it already was). */
  | { kind: 'deleted'; deleted: number }
  /** 20404 for the service itself: nothing is deleted (the crawl marks the service removed). */
  | { kind: 'service-gone' }
  /** 429: try again later; nothing was written. */
  | { kind: 'throttled'; retryAfterMs: number | null };

/**
 * A webhook's hint made good: the user's current state read by a point fetch, through the account's client and
 * budget, and written by the same writer as a crawl page, so the event is the one a crawl would have produced.
 * Only Twilio's own 20404, for a service that still answers, confirms a deletion (as in the deletion sweep);
 * a bare 404 is doubt. Anything retryable is thrown for the job to retry; a hint that can never succeed (an account
 * this worker has no credentials for, credentials refused, a request Twilio refuses) is thrown unrecoverable.
 */
@Injectable()
export class UserRefresh {
  constructor(
    private readonly accounts: TwilioAccounts,
    private readonly services: ServicesRepository,
    private readonly writer: MirrorWriter,
    private readonly identities: UsersByIdentity,
  ) {}

  async refresh(hint: UserHint): Promise<RefreshOutcome> {
    const client = this.accounts.client(hint.accountSid);
    const scope: WriteScope = { accountSid: hint.accountSid, serviceSid: hint.serviceSid };
    // Before the request (and its wait for the budget): a 20404 is then never taken as newer than it is.
    const sentFrom = Date.now();
    try {
      const { user, requestedAt } = await client.readUser(hint.serviceSid, hint.user);
      const result = await this.writer.apply({ kind: 'fetched', scope, run: null, users: observeUsers([user], hint.serviceSid, { readAt: requestedAt }) });
      return { kind: 'written', result };
    } catch (e) {
      if (e instanceof TwilioNotFoundError && e.code === TWILIO_NOT_FOUND) return this.confirmGone(client, scope, hint.user, sentFrom);
      return this.failed(e, hint.accountSid);
    }
  }

  private async confirmGone(client: TwilioClient, scope: WriteScope, user: string, sentFrom: number): Promise<RefreshOutcome> {
    try {
      // The same 20404 answers a user of a service that is gone: that is not a deletion of the user.
      await client.fetchService(scope.serviceSid);
    } catch (e) {
      if (e instanceof TwilioNotFoundError && e.code === TWILIO_NOT_FOUND) return { kind: 'service-gone' };
      return this.failed(e, scope.accountSid);
    }
    const sids = isUserSid(user) ? [user] : await this.identities.liveSids(scope.serviceSid, user);
    const result = await this.writer.apply({ kind: 'gone', scope, run: null, sids, readAt: sentFrom });
    return { kind: 'deleted', deleted: result.deleted };
  }

  private async failed(e: unknown, accountSid: string): Promise<RefreshOutcome> {
    if (e instanceof TwilioRateLimitError) return { kind: 'throttled', retryAfterMs: e.retryAfterMs };
    if (e instanceof TwilioNotFoundError) throw new Error(`${e.message}, without Twilio's code ${TWILIO_NOT_FOUND}: not taken as a deletion`);
    if (e instanceof TwilioAuthError) {
      await this.services.markAccount(accountSid, 'unhealthy', `${e.name}: ${e.message}`);
      throw new UnrecoverableError(`credentials refused: ${e.message}`);
    }
    if (e instanceof TwilioRequestError) throw new UnrecoverableError(e.message);
    throw e;
  }
}
