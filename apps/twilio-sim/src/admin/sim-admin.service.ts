import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { deriveSeed } from '../common/prng';
import { isSid } from '../common/sid';
import { nowEpochSeconds } from '../common/twilio-date';
import { SimRuntime } from '../config/sim-runtime.service';
import { BULK_MAX_COUNT, DEFAULT_PAGE_SIZE, SIM_DEFAULT_ACCOUNT_SID, USERS_MAX_PAGE_SIZE } from '../config/sim.constants';
import type { SimBehavior } from '../config/sim-behavior';
import { generateUserBatch } from '../generator/user-batch.factory';
import type { AccountRecord } from '../store/account.record';
import type { ChatServiceRecord } from '../store/chat-service.record';
import { SimStore } from '../store/sim-store.service';
import { UserRecord } from '../store/user.record';
import { encodePageToken } from '../twilio/page-token';
import { serviceObject } from '../twilio/service-json.writer';
import type { TwilioAccountWebhookConfig, TwilioService, TwilioServiceWebhookConfig, TwilioUser } from '../twilio/twilio.types';
import { UserJsonWriter } from '../twilio/user-json.writer';
import { BehaviorService } from '../upstream/behavior.service';
import type { FaultSpec, PendingFault } from '../upstream/fault.types';
import { FaultsService } from '../upstream/faults.service';
import { LatencyService } from '../upstream/latency.service';
import { StatsService, type SimStats } from '../upstream/stats.service';
import type { WebhookFaults } from '../webhooks/delivery-faults';
import type { WebhookConfigInput } from '../webhooks/webhook-config';
import { WebhookConfigService } from '../webhooks/webhook-config.service';
import { WebhookDispatcherService } from '../webhooks/webhook-dispatcher.service';
import type {
  AccountCredentials,
  BulkCreateUsersInput,
  BulkCreateUsersResult,
  CreateAccountInput,
  CreateServiceInput,
  CreateUserInput,
  UpdateUserInput,
} from './sim-admin.types';
import {
  attributesText,
  friendlyNameValue,
  identityValue,
  presenceValue,
  reorderedAttributes,
  roleSidValue,
} from './user-fields';

/**
 * Everything the admin surface can do, callable in-process (RunningSimulator.admin) and over HTTP (/admin).
 * `origin` only shapes the URLs inside returned resources; it defaults to the simulator's own URL.
 * Errors are Nest HttpExceptions (400 / 404 / 409).
 */
@Injectable()
export class SimAdminService {
  constructor(
    private readonly store: SimStore,
    private readonly behavior: BehaviorService,
    private readonly faults: FaultsService,
    private readonly statsService: StatsService,
    private readonly runtime: SimRuntime,
    private readonly latency: LatencyService,
    private readonly webhookConfig: WebhookConfigService,
    private readonly webhooks: WebhookDispatcherService,
  ) {}

  createAccount(input: CreateAccountInput = {}): AccountCredentials {
    const sid = input.accountSid ?? this.store.newSid('AC');
    if (!isSid('AC', sid)) throw new BadRequestException('accountSid must be an AC sid');
    if (input.authToken !== undefined && (typeof input.authToken !== 'string' || input.authToken === '')) {
      throw new BadRequestException('authToken must be a non-empty string');
    }
    const existing = this.store.account(sid);
    for (const key of input.apiKeys ?? []) {
      if (!isSid('SK', key.sid) || typeof key.secret !== 'string' || key.secret === '') {
        throw new BadRequestException('apiKeys need an SK sid and a non-empty secret');
      }
      const owner = this.store.apiKeyOwner(key.sid);
      if (owner && owner.sid !== sid) throw new ConflictException(`API key ${key.sid} belongs to another account`);
    }
    const account = this.store.upsertAccount(sid, input.authToken ?? existing?.authToken ?? this.store.newSecret());
    const keys = input.apiKeys ?? (existing ? [] : [{ sid: this.store.newSid('SK'), secret: this.store.newSecret() }]);
    for (const key of keys) this.store.addApiKey(account, key.sid, key.secret);
    return {
      accountSid: account.sid,
      authToken: account.authToken,
      apiKeys: [...account.apiKeys].map(([keySid, secret]) => ({ sid: keySid, secret })),
    };
  }

  createService(input: CreateServiceInput = {}, origin = this.runtime.url): TwilioService {
    const accountSid = input.accountSid ?? SIM_DEFAULT_ACCOUNT_SID;
    const account = this.store.account(accountSid);
    if (!account) throw new NotFoundException(`account ${accountSid} not found`);
    const sid = input.sid ?? this.store.newSid('IS');
    if (!isSid('IS', sid)) throw new BadRequestException('sid must be an IS sid');
    if (this.store.service(sid)) throw new ConflictException(`service ${sid} already exists`);
    const friendlyName =
      input.friendlyName === undefined ? `Simulated Service ${account.services.length + 1}` : friendlyNameValue(input.friendlyName);
    return serviceObject(this.store.addService(account, sid, friendlyName), origin);
  }

  listServices(accountSid = SIM_DEFAULT_ACCOUNT_SID, origin = this.runtime.url): TwilioService[] {
    const account = this.store.account(accountSid);
    if (!account) throw new NotFoundException(`account ${accountSid} not found`);
    return account.services.map((s) => serviceObject(s, origin));
  }

  deleteService(serviceSid: string): void {
    if (!this.store.removeService(serviceSid)) throw new NotFoundException(`service ${serviceSid} not found`);
  }

  /** Varied users from a seeded PRNG; a million take a few seconds. Each is an onUserAdded when webhooks are set up. */
  bulkCreateUsers(serviceSid: string, input: BulkCreateUsersInput): BulkCreateUsersResult {
    const service = this.service(serviceSid);
    const { count } = input;
    if (!Number.isSafeInteger(count) || count < 0 || count > BULK_MAX_COUNT) {
      throw new BadRequestException(`count must be an integer in 0..${BULK_MAX_COUNT}`);
    }
    if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) throw new BadRequestException('seed must be an integer');
    const seed = deriveSeed(input.seed ?? this.store.seed, service.sid, service.bulkCalls++, 'bulk');
    const batch = generateUserBatch({
      count,
      seed,
      firstOrdinal: service.nextOrdinal,
      roleSids: service.roleSids,
      isTaken: service.manualUsers > 0 ? (identity) => service.users.hasIdentity(identity) : undefined,
    });
    service.nextOrdinal = batch.nextOrdinal;
    service.users.mergeSorted(batch.users);
    this.webhooks.usersChanged('onUserAdded', service, batch.users);
    return { created: count, total: service.users.size };
  }

  createUser(serviceSid: string, input: CreateUserInput, origin = this.runtime.url): TwilioUser {
    const service = this.service(serviceSid);
    const identity = identityValue(input.identity);
    if (service.users.hasIdentity(identity)) throw new ConflictException(`identity ${JSON.stringify(identity)} already exists`);
    let sid = this.store.newSid('US');
    while (service.users.findBySid(sid)) sid = this.store.newSid('US');
    const now = nowEpochSeconds();
    const user = new UserRecord(
      sid,
      identity,
      input.friendlyName === undefined ? null : friendlyNameValue(input.friendlyName),
      attributesText(input.attributes),
      input.roleSid === undefined ? (service.roleSids[0] ?? null) : roleSidValue(input.roleSid),
      input.isOnline === undefined ? null : presenceValue('isOnline', input.isOnline),
      input.isNotifiable === undefined ? null : presenceValue('isNotifiable', input.isNotifiable),
      now,
      now,
    );
    service.users.insert(user);
    service.manualUsers++;
    this.webhooks.userAdded(service, user);
    return this.render(service, user, origin);
  }

  getUser(serviceSid: string, sidOrIdentity: string, origin = this.runtime.url): TwilioUser {
    const service = this.service(serviceSid);
    return this.render(service, this.user(service, sidOrIdentity), origin);
  }

  /** Applies the given fields (undefined = unchanged) and moves date_updated strictly forward. */
  updateUser(serviceSid: string, sidOrIdentity: string, patch: UpdateUserInput, origin = this.runtime.url): TwilioUser {
    const service = this.service(serviceSid);
    const user = this.user(service, sidOrIdentity);
    const friendlyName = patch.friendlyName === undefined ? user.friendlyName : friendlyNameValue(patch.friendlyName);
    const attributes = patch.attributes === undefined ? user.attributes : attributesText(patch.attributes);
    const roleSid = patch.roleSid === undefined ? user.roleSid : roleSidValue(patch.roleSid);
    const isOnline = patch.isOnline === undefined ? user.isOnline : presenceValue('isOnline', patch.isOnline);
    const isNotifiable = patch.isNotifiable === undefined ? user.isNotifiable : presenceValue('isNotifiable', patch.isNotifiable);
    Object.assign(user, { friendlyName, attributes, roleSid, isOnline, isNotifiable });
    touch(user);
    this.webhooks.userUpdated(service, user);
    return this.render(service, user, origin);
  }

  /**
   * Re-serialises a user's attributes with the keys in another order (the same JSON value) and, as a rewrite through
   * the API would, bumps date_updated and fires onUserUpdated. `touch: false` does neither: the same user
   * re-serialised, rather than rewritten.
   */
  reorderAttributes(serviceSid: string, sidOrIdentity: string, opts: { touch?: boolean } = {}, origin = this.runtime.url): TwilioUser {
    const service = this.service(serviceSid);
    const user = this.user(service, sidOrIdentity);
    user.attributes = reorderedAttributes(user.attributes);
    if (opts.touch !== false) {
      touch(user);
      this.webhooks.userUpdated(service, user);
    }
    return this.render(service, user, origin);
  }

  deleteUser(serviceSid: string, sidOrIdentity: string): void {
    const service = this.service(serviceSid);
    service.users.remove(this.user(service, sidOrIdentity).sid);
  }

  countUsers(serviceSid: string): number {
    return this.service(serviceSid).users.size;
  }

  /** Every user in sid order, in the single-fetch shape (stored is_online / is_notifiable): the ground truth. */
  exportUsers(serviceSid: string, origin = this.runtime.url): TwilioUser[] {
    const service = this.service(serviceSid);
    const writer = new UserJsonWriter(origin, service.accountSid, service.sid);
    return service.users.all.map((user) => writer.object(user, true));
  }

  /** The same export as JSON text `{"users":[…]}`, in chunks, so a million users can be streamed. */
  *exportUsersJson(serviceSid: string, origin = this.runtime.url, chunkSize = 1000): Generator<string> {
    const service = this.service(serviceSid);
    const writer = new UserJsonWriter(origin, service.accountSid, service.sid);
    const users = service.users.all.slice();
    yield '{"users":[';
    for (let start = 0; start < users.length; start += chunkSize) {
      const parts: string[] = [];
      for (let i = start; i < Math.min(start + chunkSize, users.length); i++) parts.push(writer.json(users[i] as UserRecord, true));
      yield (start === 0 ? '' : ',') + parts.join(',');
    }
    yield ']}';
  }

  /**
   * The URL of page `page` as a client following next_page_url from page 0 would get it; lets benchmarks
   * and tests start deep in a big service without walking every page before.
   */
  pageUrl(serviceSid: string, page: number, pageSize = DEFAULT_PAGE_SIZE, origin = this.runtime.url): string {
    const service = this.service(serviceSid);
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > USERS_MAX_PAGE_SIZE) {
      throw new BadRequestException(`pageSize must be an integer in 1..${USERS_MAX_PAGE_SIZE}`);
    }
    if (!Number.isSafeInteger(page) || page < 0) throw new BadRequestException('page must be an integer >= 0');
    const base = `${origin}/v1/Services/${service.sid}/Users?PageSize=${pageSize}&Page=${page}`;
    if (page === 0) return base;
    const last = service.users.all[page * pageSize - 1];
    if (!last) throw new NotFoundException(`page ${page} is past the last user`);
    return `${base}&PageToken=${encodePageToken(service.sid, { page, direction: 'after', sid: last.sid })}`;
  }

  /**
   * Back to the start state: default account only, behaviour from the start options, no faults, no webhook
   * settings, no webhook waiting to be sent, no stats; the seeded streams rewound.
   */
  reset(): void {
    this.webhooks.reset();
    this.store.reset();
    this.behavior.reset();
    this.faults.reset();
    this.latency.reset();
    this.statsService.reset();
  }

  stats(): SimStats {
    return this.statsService.snapshot();
  }

  resetStats(): void {
    this.statsService.reset();
  }

  getBehavior(): SimBehavior {
    return { ...this.behavior.current };
  }

  setBehavior(patch: Partial<SimBehavior>): SimBehavior {
    return this.behavior.update(patch);
  }

  enqueueFaults(faults: FaultSpec | readonly FaultSpec[]): { pending: number } {
    return { pending: this.faults.enqueue(faults) };
  }

  pendingFaults(): PendingFault[] {
    return this.faults.pending();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The account's webhooks, as GET /v1/Configuration/Webhooks answers them. */
  getWebhooks(accountSid: string, origin = this.runtime.url): TwilioAccountWebhookConfig {
    return this.webhookConfig.account(this.account(accountSid), origin);
  }

  /** POST /v1/Configuration/Webhooks in-process: absent fields unchanged, '' or null clears a URL. */
  configureWebhooks(accountSid: string, input: WebhookConfigInput, origin = this.runtime.url): TwilioAccountWebhookConfig {
    return this.webhookConfig.updateAccount(this.account(accountSid), input, origin);
  }

  getServiceWebhooks(serviceSid: string, origin = this.runtime.url): TwilioServiceWebhookConfig {
    return this.webhookConfig.service(this.service(serviceSid), origin);
  }

  /** POST /v1/Services/{IS}/Configuration/Webhooks in-process; a PostWebhookUrl here silences the account's hooks. */
  configureServiceWebhooks(serviceSid: string, input: WebhookConfigInput, origin = this.runtime.url): TwilioServiceWebhookConfig {
    return this.webhookConfig.updateService(this.service(serviceSid), input, origin);
  }

  getWebhookFaults(accountSid: string): WebhookFaults {
    this.account(accountSid);
    return this.webhooks.getFaults(accountSid);
  }

  /** Merges the given settings and restarts the account's fault stream from its seed. */
  setWebhookFaults(accountSid: string, patch: Partial<WebhookFaults>): WebhookFaults {
    this.account(accountSid);
    return this.webhooks.setFaults(accountSid, patch);
  }

  clearWebhookFaults(accountSid: string): void {
    this.account(accountSid);
    this.webhooks.clearFaults(accountSid);
  }

  /** Sends now, shuffled, the webhooks held for reordering (one account's, or all). */
  flushWebhooks(accountSid?: string): void {
    this.webhooks.flush(accountSid);
  }

  private account(accountSid: string): AccountRecord {
    const account = this.store.account(accountSid);
    if (!account) throw new NotFoundException(`account ${accountSid} not found`);
    return account;
  }

  private service(serviceSid: string): ChatServiceRecord {
    const service = this.store.service(serviceSid);
    if (!service) throw new NotFoundException(`service ${serviceSid} not found`);
    return service;
  }

  private user(service: ChatServiceRecord, sidOrIdentity: string): UserRecord {
    const user =
      (isSid('US', sidOrIdentity) ? service.users.findBySid(sidOrIdentity) : undefined) ??
      service.users.findByIdentity(sidOrIdentity);
    if (!user) throw new NotFoundException(`user ${sidOrIdentity} not found in ${service.sid}`);
    return user;
  }

  private render(service: ChatServiceRecord, user: UserRecord, origin: string): TwilioUser {
    return new UserJsonWriter(origin, service.accountSid, service.sid).object(user, true);
  }
}

function touch(user: UserRecord): void {
  user.dateUpdated = Math.max(nowEpochSeconds(), user.dateUpdated + 1);
}
