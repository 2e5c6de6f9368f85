import { MIRROR_USER_FIELDS } from '@app/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class UserChangeDataDto {
  @ApiProperty({ enum: ['created', 'updated', 'deleted'] }) op: string;
  @ApiProperty({ type: Object, nullable: true, description: 'The user as mirrored before the change; null for created' }) before: unknown;
  @ApiProperty({ type: Object, nullable: true, description: 'The user after the change; null for deleted' }) after: unknown;
  @ApiProperty({ isArray: true, enum: MIRROR_USER_FIELDS, description: 'Fields whose values differ (every field for created and deleted)' })
  changed: string[];
}

/** A user-changed CloudEvent (1.0, structured JSON); see docs/events.md and user-changed.schema.json. */
export class UserChangedEventDto {
  @ApiProperty({ example: '1.0' }) specversion: string;
  @ApiProperty({ format: 'uuid', description: 'Unique per change; a re-delivery carries the same id' }) id: string;
  @ApiProperty({ example: '/twilio/accounts/AC…/services/IS…' }) source: string;
  @ApiProperty({ example: 'io.github.twilio-mirror.conversations.user.updated' }) type: string;
  @ApiProperty({ description: 'The user sid', example: 'US0123456789abcdef0123456789abcdef' }) subject: string;
  @ApiProperty({ format: 'date-time', description: 'When the mirror committed the change' }) time: string;
  @ApiProperty({ description: 'Global, gap-free order of the change (CloudEvents sequence extension)', example: '1042' }) sequence: string;
  @ApiPropertyOptional({ example: 'application/json' }) datacontenttype: string;
  @ApiProperty({ type: UserChangeDataDto }) data: UserChangeDataDto;
}

export class EventsPageDto {
  @ApiProperty({ type: [UserChangedEventDto] }) events: UserChangedEventDto[];
  @ApiProperty({ description: 'Pass as ?after= for the next call: the last event\'s sequence, or the given one when there was none', example: '1042' })
  next_after: string;
}
