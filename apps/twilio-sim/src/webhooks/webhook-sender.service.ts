import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { StatsService } from '../upstream/stats.service';
import { DeliveryFaultsService } from './delivery-faults.service';
import type { OutgoingWebhook } from './outgoing-webhook';

/** Twilio documents that "Conversations webhooks have a maximum timeout of 5 seconds". */
const WEBHOOK_TIMEOUT_MS = 5000;
/** Sends in flight across accounts; the rest wait, so a bulk of a million users cannot open a million sockets. */
const MAX_CONCURRENT_SENDS = 16;

/**
 * Sends webhooks on the simulator's own connection pool and counts the outcome. By default one send per account is
 * in flight at a time, so a receiver sees an account's webhooks in the order they were released: any disorder is
 * the reorder fault's, and so reproducible from its seed; the account's `concurrency` delivery setting allows more
 * at once, as Twilio sends them. Nothing here throws to a caller: a refused connection, a
 * timeout or a 500 from the receiver is a `failed` delivery, never a simulator error. Twilio retries a failed
 * connection once by default (connection overrides `rc`); the simulator does not, and models repeats with the
 * duplicate fault instead.
 */
@Injectable()
export class WebhookSenderService implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAliveTimeout: 1000, connections: MAX_CONCURRENT_SENDS });
  /** Account → its copies waiting, in release order. */
  private readonly queues = new Map<string, OutgoingWebhook[]>();
  /** Account → its sends in flight. */
  private readonly inFlight = new Map<string, Set<AbortController>>();
  private sending = 0;
  private closed = false;

  constructor(
    private readonly stats: StatsService,
    private readonly faults: DeliveryFaultsService,
  ) {}

  /** The copy must already count as pending; it stops counting once sent (or discarded). */
  send(webhook: OutgoingWebhook): void {
    if (this.closed) return this.stats.webhookPending(webhook.accountSid, -1);
    const queue = this.queues.get(webhook.accountSid);
    if (queue) queue.push(webhook);
    else this.queues.set(webhook.accountSid, [webhook]);
    this.pump();
  }

  /** Drops what has not started yet (reset); sends in flight finish on their own. */
  discardQueued(): void {
    for (const queue of this.queues.values()) {
      for (const webhook of queue) this.stats.webhookPending(webhook.accountSid, -1);
    }
    this.queues.clear();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.discardQueued();
    for (const controllers of this.inFlight.values()) for (const controller of controllers) controller.abort();
    await this.agent.destroy().catch(() => undefined);
  }

  private pump(): void {
    for (const [accountSid, queue] of this.queues) {
      const sends = this.inFlight.get(accountSid) ?? new Set<AbortController>();
      const allowed = this.faults.get(accountSid).concurrency;
      while (queue.length > 0 && sends.size < allowed) {
        if (this.sending >= MAX_CONCURRENT_SENDS) return;
        const webhook = queue.shift() as OutgoingWebhook;
        const controller = new AbortController();
        sends.add(controller);
        this.inFlight.set(accountSid, sends);
        this.sending++;
        void this.deliver(webhook, controller).finally(() => {
          sends.delete(controller);
          if (sends.size === 0) this.inFlight.delete(accountSid);
          this.sending--;
          this.stats.webhookPending(accountSid, -1);
          this.pump();
        });
      }
      if (queue.length === 0) this.queues.delete(accountSid);
    }
  }

  private async deliver(webhook: OutgoingWebhook, controller: AbortController): Promise<void> {
    this.stats.webhook(webhook.accountSid, 'sent');
    const timer = setTimeout(() => controller.abort(), WEBHOOK_TIMEOUT_MS).unref();
    try {
      const response = await request(webhook.url, {
        method: webhook.method,
        headers: webhook.headers,
        body: webhook.body ?? undefined,
        dispatcher: this.agent,
        signal: controller.signal,
        headersTimeout: WEBHOOK_TIMEOUT_MS,
        bodyTimeout: WEBHOOK_TIMEOUT_MS,
      });
      await response.body.dump();
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      this.stats.webhook(webhook.accountSid, ok ? 'delivered' : 'failed');
    } catch {
      this.stats.webhook(webhook.accountSid, 'failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
