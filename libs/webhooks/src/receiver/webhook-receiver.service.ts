import { APP_CONFIG, AppConfig } from '@app/config';
import { ROOT_LOGGER } from '@app/logger';
import { UserFetchQueue } from '@app/queue';
import { isAccountSid } from '@app/twilio';
import { Inject, Injectable } from '@nestjs/common';
import { Logger } from 'pino';
import { WebhookStats } from '../stats/webhook-stats.repository';
import { withDeadline } from './deadline';
import { MirroredServices } from './mirrored-services.repository';
import { formParams, IncomingWebhook, readUserHint, signedUrl, single } from './webhook-request';
import { WebhookSignatures } from './webhook-signatures';

/**
 * Twilio waits 5 s for an answer. The hint is handed to Redis within this long or the hook is answered 503; with
 * the services check's 1 s, the answer always leaves in time.
 */
const QUEUE_DEADLINE_MS = 3_000;

export interface WebhookAnswer {
  status: 200 | 403 | 404 | 503;
  /** Why, in a few words: the body of the answer (never anything the request carried). */
  message: string;
}

/**
 * Receives Twilio's user webhooks as hints: checks the signature against the account's auth token and the public
 * URL, and hands a fetch of the user to the workers (UserFetchQueue), coalesced per user. It answers as soon as
 * the hint is queued; it never fetches nor writes itself. A hook for an account, service or event the mirror does
 * not follow is answered 200 and ignored (Twilio would otherwise report it failing); a missing or bad signature is
 * 403 and nothing is recorded. When Redis does not take the hint in time the answer is 503: Twilio does not retry
 * it, but its debugger shows the failure, and the next crawl catches the change the hint was about.
 */
@Injectable()
export class WebhookReceiver {
  private readonly log: Logger;
  private readonly publicUrl: string | null;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly signatures: WebhookSignatures,
    private readonly services: MirroredServices,
    private readonly queue: UserFetchQueue,
    private readonly stats: WebhookStats,
  ) {
    this.log = logger.child({ component: 'webhook-receiver' });
    this.publicUrl = config.webhooks.publicUrl;
  }

  async receive(req: IncomingWebhook): Promise<WebhookAnswer> {
    if (this.publicUrl === null) return { status: 404, message: 'the webhook receiver is off: WEBHOOK_PUBLIC_URL is not set' };
    const params = formParams(req.method === 'GET' ? req.rawQuery : req.rawBody);
    const named = single(params, 'AccountSid');
    const accountSid = named !== undefined && isAccountSid(named) ? named : null;
    if (accountSid === null) {
      this.stats.add(null, { received: 1, rejected: 1 });
      this.log.warn({ method: req.method }, 'webhook rejected: it names no account, so its signature cannot be checked');
      return { status: 403, message: 'no valid AccountSid: the signature cannot be checked' };
    }
    const check = this.signatures.check(accountSid, req.signature, signedUrl(this.publicUrl, req), req.method === 'GET' ? {} : params);
    if (check === 'unknown-account') {
      this.stats.add(null, { received: 1, ignored: 1 });
      this.log.info({ accountSid }, 'webhook ignored: the account is not mirrored here');
      return { status: 200, message: 'ignored: account not mirrored' };
    }
    if (check !== 'valid') {
      this.stats.add(accountSid, { received: 1, rejected: 1 });
      this.log.warn({ accountSid, signature: check }, 'webhook rejected: X-Twilio-Signature is missing or does not match (is WEBHOOK_PUBLIC_URL the exact URL Twilio calls?)');
      return { status: 403, message: `X-Twilio-Signature is ${check === 'missing' ? 'missing' : 'not valid for this URL and account'}` };
    }
    const hint = readUserHint(params, accountSid);
    if (hint.kind === 'ignored') {
      this.stats.add(accountSid, { received: 1, ignored: 1 });
      this.log.info({ accountSid, serviceSid: hint.serviceSid, eventType: hint.eventType, reason: hint.reason }, 'webhook ignored');
      return { status: 200, message: `ignored: ${hint.reason}` };
    }
    try {
      if (!(await this.services.isMirrored(accountSid, hint.serviceSid))) {
        this.stats.add(accountSid, { received: 1, ignored: 1 });
        this.log.info({ accountSid, serviceSid: hint.serviceSid, eventType: hint.eventType }, 'webhook ignored: the service is not mirrored');
        return { status: 200, message: 'ignored: service not mirrored' };
      }
      const queued = await withDeadline(
        this.queue.enqueue({ accountSid, serviceSid: hint.serviceSid, user: hint.user, hintedAt: Date.now() }),
        QUEUE_DEADLINE_MS,
        'Redis (the user fetch queue)',
      );
      this.stats.add(accountSid, { received: 1, [queued.added ? 'queued' : 'coalesced']: 1 });
      return { status: 200, message: queued.added ? 'queued' : 'coalesced' };
    } catch (e) {
      this.stats.add(accountSid, { received: 1, unrecorded: 1 });
      this.log.error({ accountSid, serviceSid: hint.serviceSid, error: (e as Error).message }, 'webhook hint not recorded; the next crawl catches its change');
      return { status: 503, message: 'the hint could not be recorded in time' };
    }
  }
}
