import { ApiProperty } from '@nestjs/swagger';

export class SyncRunDto {
  @ApiProperty({ example: '42', description: 'bigint, as a string' }) id: string;
  @ApiProperty({ example: '40', description: 'A run resumed after a failure keeps the crawl_id of the run it resumes' }) crawl_id: string;
  @ApiProperty() account_sid: string;
  @ApiProperty() service_sid: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed', 'removed'] }) status: string;
  @ApiProperty({ example: 'schedule', description: 'schedule, start or manual' }) trigger: string;
  @ApiProperty({ example: '2025-11-27T10:00:00.123Z' }) started_at: string;
  @ApiProperty({ nullable: true, type: String }) finished_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Next upstream page to fetch; null once the last page is in' }) checkpoint_url: string | null;
  @ApiProperty() pages: number;
  @ApiProperty({ description: 'Upstream requests, 429s and retries included' }) requests: number;
  @ApiProperty({ description: '429 answers' }) throttled: number;
  @ApiProperty() retries: number;
  @ApiProperty() users_seen: number;
  @ApiProperty({ description: 'Records the mirror could not store (their reasons: GET /v1/sync-runs/{id}); they count as seen, so the deletion sweep spares them' })
  rejected: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deleted: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the run did not simply resume its crawl, e.g. a checkpoint set aside after failing 3 runs in a row' })
  note: string | null;
}

export class RejectedRecordDto {
  @ApiProperty({ nullable: true, type: String, description: 'What the record gave as its sid (null when it was not a string)' }) sid: string | null;
  @ApiProperty({ example: 'attributes is not valid JSON' }) reason: string;
}

export class SyncRunDetailDto extends SyncRunDto {
  @ApiProperty({ type: [RejectedRecordDto], description: 'The first 100 records the run could not store, with why' }) rejected_records: RejectedRecordDto[];
}

export class SyncRunPageDto {
  @ApiProperty({ type: [SyncRunDto], description: 'Latest first' }) sync_runs: SyncRunDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
