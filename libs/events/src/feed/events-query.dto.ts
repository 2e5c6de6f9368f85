import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export const SEQUENCE_PATTERN = /^\d{1,18}$/;
const SEQUENCE_MESSAGE = 'must be an event sequence: a whole number of at most 18 digits';

export class EventsStreamQueryDto {
  @ApiPropertyOptional({
    description: 'Return events with a greater sequence. Omitted: from the oldest retained event. A Last-Event-ID header wins over it.',
    example: '1042',
  })
  @IsOptional()
  @Matches(SEQUENCE_PATTERN, { message: `after ${SEQUENCE_MESSAGE}` })
  after?: string;
}

export class EventsQueryDto extends EventsStreamQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(1000, { message: 'limit must be at most 1000' })
  limit = 100;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 30,
    default: 0,
    description: 'Long-poll: seconds to wait for an event when none is there yet; the answer comes as soon as one is committed.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'wait must be a whole number of seconds' })
  @Min(0, { message: 'wait must be at least 0' })
  @Max(30, { message: 'wait must be at most 30' })
  wait = 0;
}
