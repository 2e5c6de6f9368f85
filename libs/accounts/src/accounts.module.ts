import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { RateLimitModule } from '@app/rate-limit';
import { Module } from '@nestjs/common';
import { ServicesRepository } from './services.repository';
import { TwilioAccounts } from './twilio-accounts.service';

/**
 * The Twilio accounts the mirror reads, one client each on the shared rate budget, and what the mirror knows
 * of their services (the services and accounts tables). For the scheduler and the crawl alike.
 */
@Module({ imports: [DatabaseModule, RateLimitModule, MetricsModule], providers: [TwilioAccounts, ServicesRepository], exports: [TwilioAccounts, ServicesRepository] })
export class AccountsModule {}
