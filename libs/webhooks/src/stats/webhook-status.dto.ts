import { ApiProperty } from '@nestjs/swagger';

export class WebhookCountsDto {
  @ApiProperty({ example: 'AC0123456789abcdef0123456789abcdef', description: 'An account sid, or `other`: requests that named no configured account' })
  account_sid: string;
  @ApiProperty({ description: 'Requests to /webhooks/twilio' }) received: number;
  @ApiProperty({ description: 'Answered 403: X-Twilio-Signature missing or not valid' }) rejected: number;
  @ApiProperty({ description: 'Answered 200 and ignored: an account, service or event not mirrored, or no user named' }) ignored: number;
  @ApiProperty({ description: 'Hints that queued a fetch of their user' }) queued: number;
  @ApiProperty({ description: "Hints merged into their user's fetch already waiting (or kept as the one to run after the running one)" }) coalesced: number;
  @ApiProperty({ description: 'Answered 503: the hint could not be recorded in time (Redis)' }) unrecorded: number;
  @ApiProperty({ description: "Fetches whose result went through the writer (a 20404 included)" }) applied: number;
  @ApiProperty({ description: 'Of those: users created, updated, deleted (20404), unchanged, and stale (older than the mirror: not written)' }) created: number;
  @ApiProperty() updated: number;
  @ApiProperty() deleted: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() stale: number;
  @ApiProperty({ description: "Fetches put off by a hot user's pace (WEBHOOK_HOT_USER_INTERVAL_MS)" }) paced: number;
  @ApiProperty({ description: 'Fetches answered 429, waiting to be tried again' }) throttled: number;
  @ApiProperty({ description: 'Hints given up (retries spent, credentials refused): the next crawl catches their change' }) fetch_failures: number;
}

export class HintQueueDto {
  @ApiProperty({ description: 'User fetches waiting for a worker' }) waiting: number;
  @ApiProperty({ description: 'Running now' }) active: number;
  @ApiProperty({ description: "Waiting for a 429's backoff, a hot user's pace or a retry" }) delayed: number;
}

export class WebhookStatusDto {
  @ApiProperty({ description: 'Whether this process receives webhooks (WEBHOOK_PUBLIC_URL is set)' }) receiver_enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'WEBHOOK_PUBLIC_URL: the URL Twilio must call, signatures are checked against it' })
  public_url: string | null;
  @ApiProperty({ type: HintQueueDto }) queue: HintQueueDto;
  @ApiProperty({ type: [WebhookCountsDto], description: 'Since the counters were created, summed over every process' }) accounts: WebhookCountsDto[];
}
