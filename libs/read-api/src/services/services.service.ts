import { AccessScope } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CrawlQueue } from '@app/queue';
import { ConflictException, Inject, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { withDeadline } from '../common/deadline';
import { decodeCursor, encodeCursor, queryFingerprint } from '../common/opaque-cursor';
import { isSid } from '../common/sids';
import { ServicePageDto, ServiceStatusDto, SyncTriggeredDto } from './service-status.dto';
import { ServicesReadRepository } from './services.repository';

const QUEUE_TIMEOUT_MS = 5000;

@Injectable()
export class ServicesService {
  constructor(
    private readonly services: ServicesReadRepository,
    private readonly queue: CrawlQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The services the scope covers. */
  async list(scope: AccessScope, limit: number, cursor: string | undefined): Promise<ServicePageDto> {
    const fingerprint = queryFingerprint(['services']);
    const after = decodeCursor(cursor, fingerprint, (a) => isSid('IS', a));
    const rows = await this.services.list(after, limit + 1, scope.filter());
    const page = rows.slice(0, limit);
    return { services: page, next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1].sid, fingerprint) : null };
  }

  async get(sid: string): Promise<ServiceStatusDto> {
    const service = await this.services.get(sid);
    if (!service) throw new NotFoundException(`service ${sid} is not in the mirror`);
    return service;
  }

  /**
   * Enqueues a crawl now (ScopeGuard checked the scope and the trigger right). The queue deduplicates per service, so a crawl already queued or running stands
   * and is answered instead. A service configured in TWILIO_SERVICE_SIDS but never crawled is known too.
   */
  async triggerSync(sid: string): Promise<SyncTriggeredDto> {
    const service = await this.services.get(sid);
    const accountSid = service?.account_sid ?? this.config.twilio.services.find((s) => s.serviceSid === sid)?.accountSid;
    if (!accountSid) throw new NotFoundException(`service ${sid} is not in the mirror`);
    if (service && !service.enabled) throw new ConflictException(`service ${sid} is disabled: enable it before syncing`);
    const job = await withDeadline(
      this.queue.enqueue(accountSid, sid, 'manual'),
      QUEUE_TIMEOUT_MS,
      () => new ServiceUnavailableException(`the crawl queue (Redis) did not answer within ${QUEUE_TIMEOUT_MS / 1000} s; the crawl may still be queued when it is back`),
    );
    const fresh = await this.services.get(sid);
    return { job: { id: job.jobId, added: job.added }, current_run: fresh?.current_run ?? null, last_run: fresh?.last_run ?? null };
  }
}
