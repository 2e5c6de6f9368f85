import { ApiProperty } from '@nestjs/swagger';
import { MirrorUserDto } from './mirror-user.dto';

export class PersonalDataErasedDto {
  @ApiProperty({ type: MirrorUserDto, description: 'The tombstone as it is now: identity, friendly_name and attributes null, personal_data_erased_at set' })
  user: MirrorUserDto;
  @ApiProperty({ description: "The user's events in the outbox whose before/after were erased now (0 when they were already)" })
  events_erased: number;
  @ApiProperty({ description: "The user's events deleted from the Redis Stream now" })
  stream_entries_deleted: number;
}
