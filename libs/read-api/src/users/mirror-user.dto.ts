import type { MirrorUser } from '@app/domain';
import { ApiProperty } from '@nestjs/swagger';

/** A mirrored user as the /v1 API returns it: Twilio's fields (attributes parsed) plus the mirror's bookkeeping. */
export class MirrorUserDto implements MirrorUser {
  @ApiProperty({ example: 'US0123456789abcdef0123456789abcdef' }) sid: string;
  @ApiProperty({ nullable: true, type: String }) account_sid: string | null;
  @ApiProperty() chat_service_sid: string;
  @ApiProperty({ nullable: true, type: String }) role_sid: string | null;
  @ApiProperty({ nullable: true, type: String }) identity: string | null;
  @ApiProperty({ nullable: true, type: String }) friendly_name: string | null;
  @ApiProperty({ description: "Twilio's attributes, parsed from its JSON string", type: Object, nullable: true }) attributes: unknown;
  @ApiProperty({ nullable: true, type: Boolean, description: 'Only known from a point fetch; Twilio lists always say null' }) is_online: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean }) is_notifiable: boolean | null;
  @ApiProperty({ nullable: true, type: String, example: '2019-12-16T22:18:37Z', description: "Twilio's date format" }) date_created: string | null;
  @ApiProperty({ nullable: true, type: String, example: '2019-12-16T22:18:38Z' }) date_updated: string | null;
  @ApiProperty({ nullable: true, type: String, description: "Twilio's own URL of the user" }) url: string | null;
  @ApiProperty({ nullable: true, type: Object }) links: Record<string, string> | null;
  @ApiProperty({ description: 'Bumped by every change the mirror observed' }) version: number;
  @ApiProperty({ example: '2025-11-27T10:00:00.123Z' }) first_seen_at: string;
  @ApiProperty({ example: '2025-11-27T10:00:00.123Z', description: 'When the mirror last saw this user change' }) changed_at: string;
  @ApiProperty({ nullable: true, type: String, description: 'Set when the user was confirmed deleted upstream' }) deleted_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "Set when the tombstone's personal data (identity, friendly_name, attributes) was erased: DELETED_USER_RETENTION_DAYS after deleted_at, or on request",
  })
  personal_data_erased_at: string | null;
}

export class MirrorUserPageDto {
  @ApiProperty({ type: [MirrorUserDto] }) users: MirrorUserDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?cursor= (with the same filters) for the next page; null on the last page' })
  next_cursor: string | null;
  @ApiProperty({
    example: '1042',
    description:
      'The last event sequence committed when this page was read (also the X-Mirror-Sequence header). Take it from the first page of a ' +
      'snapshot, then follow /v1/events from it: nothing is missed; apply an event only if its data.version is above the version of the row you hold.',
  })
  as_of_sequence: string;
}
