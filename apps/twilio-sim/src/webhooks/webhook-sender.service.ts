import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { StatsService } from '../upstream/stats.service';
import type { OutgoingWebhook } from './outgoing-webhook';

/** Twilio documents that "Conversations webhooks have a maximum timeout of 5 seconds". */
const WEBHOOK_TIMEOUT_MS = 5000;
/** Sends at once; the rest wait their turn, so a bulk of a million users cannot open a million sockets. */
const MAX_CONCURRENT_SENDS = 16;

/**
 * Sends webhooks on the simulator's own connection pool and counts the outcome. Nothing here throws to a caller:
 * a refused connection, a timeout or a 500 from the receiver is a `failed` delivery, never a simulator error.
 * Twilio retries a failed connection once by default (connection overrides `rc`); the simulator does not, and
 * models repeats with the duplicate fault instead.
 */
@Injectable()
export class WebhookSenderService implements OnApplicationShutdown {
  private readonly agent = new Agent({ keepAliveTimeout: 1000, connections: MAX_CONCURRENT_SENDS });
  private readonly queue: OutgoingWebhook[] = [];
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly stats: StatsService) {}

  /** The copy must already count as pending; it stops counting once sent (or discarded). */
  send(webhook: OutgoingWebhook): void {
    if (this.closed) return this.stats.webhookPending(webhook.accountSid, -1);
    this.queue.push(webhook);
    this.pump();
  }

  /** Drops what has not started yet (reset); sends in flight finish on their own. */
  discardQueued(): void {
    for (const webhook of this.queue.splice(0)) this.stats.webhookPending(webhook.accountSid, -1);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.discardQueued();
    for (const controller of this.inFlight) controller.abort();
    await this.agent.destroy().catch(() => undefined);
  }

  private pump(): void {
    while (this.inFlight.size < MAX_CONCURRENT_SENDS && this.queue.length > 0) {
      const webhook = this.queue.shift() as OutgoingWebhook;
      const controller = new AbortController();
      this.inFlight.add(controller);
      void this.deliver(webhook, controller).finally(() => {
        this.inFlight.delete(controller);
        this.stats.webhookPending(webhook.accountSid, -1);
        this.pump();
      });
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
