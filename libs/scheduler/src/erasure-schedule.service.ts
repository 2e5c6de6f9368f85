import { APP_CONFIG, AppConfig } from '@app/config';
import { PersonalDataErasure } from '@app/erasure';
import { ROOT_LOGGER } from '@app/logger';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from 'pino';

/**
 * Erases the personal data of users deleted more than DELETED_USER_RETENTION_DAYS ago, at start and every
 * ERASURE_INTERVAL_MS, on the scheduler role. Several schedulers may run at once: batches lock the tombstones they
 * take (SKIP LOCKED), so they share the work and never erase one twice.
 */
@Injectable()
export class ErasureSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log: Logger;
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    private readonly erasure: PersonalDataErasure,
  ) {
    this.log = logger.child({ component: 'scheduler' });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), this.config.privacy.erasureIntervalMs);
    this.timer.unref();
    void this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; a pass already running is not doubled. Failures are logged and the next interval tries again. */
  async run(): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = this.erasure
      .eraseExpired(new Date(), () => this.stopping)
      .catch((e) => this.log.warn({ error: (e as Error).message }, 'erasing the personal data of deleted users failed; the next interval tries again'));
    await this.running;
    this.running = null;
  }
}
