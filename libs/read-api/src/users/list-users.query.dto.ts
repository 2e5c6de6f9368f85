import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { PagingQueryDto } from '../common/paging.dto';
import { SID_PATTERNS } from '../common/sids';
import { MAX_IDENTITY_LENGTH, NO_CONTROL, NO_NUL } from '../common/text-input';
import { IsJsonObjectText, IsMirrorTimestamp } from '../common/validators';
import type { DeletedMode } from './user-list.query';

export class ListUsersQueryDto extends PagingQueryDto {
  @ApiPropertyOptional({ description: 'Exact identity (case-sensitive)' })
  @IsOptional()
  @IsString({ message: 'identity must be a single string' })
  @MaxLength(MAX_IDENTITY_LENGTH, { message: `identity must be at most ${MAX_IDENTITY_LENGTH} characters` })
  @Matches(NO_NUL, { message: 'identity cannot contain a NUL character' })
  identity?: string;

  @ApiPropertyOptional({ description: 'Identity starts with this text (case-sensitive)' })
  @IsOptional()
  @IsString({ message: 'identity_prefix must be a single string' })
  @MinLength(1, { message: 'identity_prefix must not be empty' })
  @MaxLength(MAX_IDENTITY_LENGTH, { message: `identity_prefix must be at most ${MAX_IDENTITY_LENGTH} characters` })
  @Matches(NO_NUL, { message: 'identity_prefix cannot contain a NUL character' })
  identity_prefix?: string;

  @ApiPropertyOptional({ description: 'Role sid (RL + 32 hex)', example: 'RL0123456789abcdef0123456789abcdef' })
  @IsOptional()
  @Matches(SID_PATTERNS.RL, { message: 'role_sid must be a role sid (RL followed by 32 hex digits)' })
  role_sid?: string;

  @ApiPropertyOptional({ description: 'JSON object the attributes must contain (jsonb @>)', example: '{"plan":"pro"}' })
  @IsOptional()
  @IsJsonObjectText()
  attributes?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive text in friendly_name or identity, 3 to 200 characters' })
  @IsOptional()
  @IsString({ message: 'q must be a single string' })
  @MinLength(3, { message: 'q must be at least 3 characters (the trigram index needs three)' })
  @MaxLength(200, { message: 'q must be at most 200 characters' })
  @Matches(NO_CONTROL, { message: 'q cannot contain control characters' })
  q?: string;

  @ApiPropertyOptional({
    description: "Users whose mirror row changed (created, updated or tombstoned; the mirror's changed_at) at or after this time",
    example: '2025-11-27T10:00:00Z',
  })
  @IsOptional()
  @IsMirrorTimestamp()
  updated_since?: string;

  @ApiPropertyOptional({ enum: ['exclude', 'include', 'only'], default: 'exclude', description: 'Users deleted upstream (tombstoned)' })
  @IsOptional()
  @IsIn(['exclude', 'include', 'only'], { message: 'deleted must be one of exclude, include, only' })
  deleted: DeletedMode = 'exclude';
}
