import { MirrorUser, normalizeDate, UserEntity } from '@app/database';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A mirrored user as the read API returns it: Twilio's fields (attributes parsed) plus the mirror's bookkeeping. */
export class MirrorUserDto implements MirrorUser {
  @ApiProperty({ example: 'US0123456789abcdef0123456789abcdef' }) sid: string;
  @ApiProperty({ nullable: true, type: String }) account_sid: string | null;
  @ApiProperty() chat_service_sid: string;
  @ApiProperty({ nullable: true, type: String }) role_sid: string | null;
  @ApiProperty({ nullable: true, type: String }) identity: string | null;
  @ApiProperty({ nullable: true, type: String }) friendly_name: string | null;
  @ApiPropertyOptional({ description: 'Twilio attributes, parsed from its JSON string', type: Object, nullable: true }) attributes: unknown;
  @ApiProperty({ nullable: true, type: Boolean }) is_online: boolean | null;
  @ApiProperty({ nullable: true, type: Boolean }) is_notifiable: boolean | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) date_created: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) date_updated: string | null;
  @ApiProperty({ nullable: true, type: String }) url: string | null;
  @ApiProperty({ nullable: true, type: Object }) links: Record<string, string> | null;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) first_seen_at: string;
  @ApiProperty({ format: 'date-time' }) changed_at: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deleted_at: string | null;

  static from(u: UserEntity): MirrorUserDto {
    return Object.assign(new MirrorUserDto(), {
      sid: u.sid,
      account_sid: u.accountSid,
      chat_service_sid: u.chatServiceSid,
      role_sid: u.roleSid,
      identity: u.identity,
      friendly_name: u.friendlyName,
      attributes: u.attributes,
      is_online: u.isOnline,
      is_notifiable: u.isNotifiable,
      date_created: normalizeDate(u.dateCreated),
      date_updated: normalizeDate(u.dateUpdated),
      url: u.url,
      links: u.links,
      version: u.version,
      first_seen_at: u.firstSeenAt.toISOString(),
      changed_at: u.changedAt.toISOString(),
      deleted_at: u.deletedAt ? u.deletedAt.toISOString() : null,
    });
  }
}

export class MirrorUserPageDto {
  @ApiProperty({ type: [MirrorUserDto] }) users: MirrorUserDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?cursor= for the next page; null on the last page' })
  next_cursor: string | null;
}
