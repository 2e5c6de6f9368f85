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
  @ApiProperty({ description: 'Records refused as malformed; a crawl with any skips its deletion sweep' }) rejected: number;
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
  @ApiProperty() unchanged: number;
  @ApiProperty() deleted: number;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}

export class SyncRunPageDto {
  @ApiProperty({ type: [SyncRunDto], description: 'Latest first' }) sync_runs: SyncRunDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
