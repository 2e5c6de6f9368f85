import { ApiProperty } from '@nestjs/swagger';
import { RejectedRecordDto, SyncRunDto } from './sync-run.dto';

export class AccountHealthDto {
  @ApiProperty({ enum: ['ok', 'unhealthy', 'unknown'], description: 'unhealthy: Twilio refused the credentials (401/403); unknown: no crawl finished yet' })
  status: string;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String }) updated_at: string | null;
}

export class ServiceStatusDto {
  @ApiProperty({ example: 'IS0123456789abcdef0123456789abcdef' }) sid: string;
  @ApiProperty() account_sid: string;
  @ApiProperty({ nullable: true, type: String }) friendly_name: string | null;
  @ApiProperty({ description: 'Disabled services are not crawled' }) enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Set when Twilio answered 404 for the service; nothing was deleted because of it' })
  removed_at: string | null;
  @ApiProperty({ description: 'Live users after the last successful crawl' }) user_count: number;
  @ApiProperty({ nullable: true, type: String }) last_success_at: string | null;
  @ApiProperty({ type: SyncRunDto, nullable: true, description: 'The last finished run' }) last_run: SyncRunDto | null;
  @ApiProperty({ type: SyncRunDto, nullable: true, description: 'The run in progress, if any' }) current_run: SyncRunDto | null;
  @ApiProperty({ type: AccountHealthDto }) account: AccountHealthDto;
  @ApiProperty({ type: [RejectedRecordDto], description: 'Records the latest run (the current one, else the last) could not store, with why: the first 100' })
  rejected_records: RejectedRecordDto[];
}

export class ServicePageDto {
  @ApiProperty({ type: [ServiceStatusDto] }) services: ServiceStatusDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class EnqueuedJobDto {
  @ApiProperty({ example: 'crawl:IS0123456789abcdef0123456789abcdef' }) id: string;
  @ApiProperty({ description: 'false when a crawl of the service was already queued or running: that job stands' }) added: boolean;
}

export class SyncTriggeredDto {
  @ApiProperty({ type: EnqueuedJobDto }) job: EnqueuedJobDto;
  @ApiProperty({ type: SyncRunDto, nullable: true, description: 'The run in progress, if a worker has started one' }) current_run: SyncRunDto | null;
  @ApiProperty({ type: SyncRunDto, nullable: true, description: 'The last finished run' }) last_run: SyncRunDto | null;
}
