import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Prng, deriveSeed } from '../common/prng';
import { randomHex } from '../common/sid';
import { SIM_CONFIG } from '../config/sim.constants';
import type { SimulatorConfig } from '../config/simulator-options';
import type { ChatServiceRecord } from '../store/chat-service.record';
import { SimStore } from '../store/sim-store.service';
import type { UserRecord } from '../store/user.record';
import { StatsService } from '../upstream/stats.service';
import type { WebhookFaults } from './delivery-faults';
import { DeliveryFaultsService } from './delivery-faults.service';
import type { OutgoingWebhook } from './outgoing-webhook';
import { ReorderBuffer } from './reorder-buffer';
import { signedWebhook } from './signed-webhook';
import { userWebhookParams, type UserEventType } from './user-webhook-params';
import { WebhookConfigService } from './webhook-config.service';
import { WebhookSenderService } from './webhook-sender.service';

/**
 * Turns user mutations into signed post-event webhooks and plays the account's delivery faults on them (drop,
 * duplicate, delay, reorder) before handing them to the sender. Everything here is synchronous and cheap at the
 * time of the mutation: the admin call that caused an event never waits for, nor fails with, its delivery.
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationShutdown {
  private readonly timers = new Map<NodeJS.Timeout, OutgoingWebhook>();
  private readonly buffers = new Map<string, ReorderBuffer<OutgoingWebhook>>();
  private ids: Prng;

  constructor(
    @Inject(SIM_CONFIG) private readonly config: SimulatorConfig,
    private readonly store: SimStore,
    private readonly targets: WebhookConfigService,
    private readonly faults: DeliveryFaultsService,
    private readonly sender: WebhookSenderService,
    private readonly stats: StatsService,
  ) {
    this.ids = new Prng(deriveSeed(config.seed, 'webhook-ids'));
  }

  userAdded(service: ChatServiceRecord, user: UserRecord): void {
    this.usersChanged('onUserAdded', service, [user]);
  }

  userUpdated(service: ChatServiceRecord, user: UserRecord): void {
    this.usersChanged('onUserUpdated', service, [user]);
  }

  /** One event per user; the target is looked up once, so a bulk without webhooks configured costs nothing. */
  usersChanged(eventType: UserEventType, service: ChatServiceRecord, users: readonly UserRecord[]): void {
    const target = this.targets.postTarget(service, eventType);
    const account = this.store.account(service.accountSid);
    if (!target || !account) return;
    for (const user of users) {
      const params = userWebhookParams(eventType, service, user);
      const idempotencyToken = randomHex(this.ids, 32);
      this.dispatch(signedWebhook({ accountSid: account.sid, authToken: account.authToken, eventType, target, params, idempotencyToken }));
    }
  }

  getFaults(accountSid: string): WebhookFaults {
    return this.faults.get(accountSid);
  }

  /** New settings apply to events from now on; copies already held for reordering are released first. */
  setFaults(accountSid: string, patch: Partial<WebhookFaults>): WebhookFaults {
    const faults = this.faults.set(accountSid, patch);
    this.releaseBuffer(accountSid);
    if (faults.reorderWindow >= 2) {
      this.buffers.set(
        accountSid,
        new ReorderBuffer<OutgoingWebhook>(
          faults.reorderWindow,
          faults.reorderMaxHoldMs,
          (items) => this.faults.shuffle(accountSid, items),
          (webhook) => this.sender.send(webhook),
        ),
      );
    }
    return faults;
  }

  clearFaults(accountSid: string): void {
    this.releaseBuffer(accountSid);
    this.faults.clear(accountSid);
  }

  /** Releases now, shuffled, the copies held for reordering (one account's, or every account's). */
  flush(accountSid?: string): void {
    for (const [account, buffer] of this.buffers) {
      if (accountSid === undefined || account === accountSid) buffer.flush();
    }
  }

  /** Forgets every setting and every copy not sent yet; sends in flight finish on their own. */
  reset(): void {
    this.discardPending();
    this.faults.reset();
    this.ids = new Prng(deriveSeed(this.config.seed, 'webhook-ids'));
  }

  onApplicationShutdown(): void {
    this.discardPending();
  }

  private dispatch(webhook: OutgoingWebhook): void {
    const { accountSid } = webhook;
    const plan = this.faults.plan(accountSid);
    if (plan.drop) return this.stats.webhook(accountSid, 'dropped');
    if (plan.delaysMs.length > 1) this.stats.webhook(accountSid, 'duplicated');
    for (const delayMs of plan.delaysMs) {
      this.stats.webhookPending(accountSid, 1);
      if (delayMs === 0) {
        this.hold(webhook);
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.hold(webhook);
      }, delayMs).unref();
      this.timers.set(timer, webhook);
    }
  }

  private hold(webhook: OutgoingWebhook): void {
    const buffer = this.buffers.get(webhook.accountSid);
    if (buffer) buffer.add(webhook);
    else this.sender.send(webhook);
  }

  private releaseBuffer(accountSid: string): void {
    this.buffers.get(accountSid)?.flush();
    this.buffers.delete(accountSid);
  }

  private discardPending(): void {
    for (const [timer, webhook] of this.timers) {
      clearTimeout(timer);
      this.stats.webhookPending(webhook.accountSid, -1);
    }
    this.timers.clear();
    for (const buffer of this.buffers.values()) {
      for (const webhook of buffer.take()) this.stats.webhookPending(webhook.accountSid, -1);
    }
    this.buffers.clear();
    this.sender.discardQueued();
  }
}
