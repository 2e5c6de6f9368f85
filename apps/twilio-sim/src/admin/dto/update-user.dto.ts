import { Allow, IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import type { AttributesInput, UpdateUserInput } from '../sim-admin.types';

/** Absent = unchanged, null = cleared; SimAdminService re-checks every value for in-process callers. */
export class UpdateUserDto implements UpdateUserInput {
  @IsOptional()
  @IsString()
  friendlyName?: string | null;

  /** An object, or any text (kept verbatim). */
  @Allow()
  attributes?: AttributesInput;

  @IsOptional()
  @Matches(/^RL[0-9a-fA-F]{32}$/)
  roleSid?: string | null;

  @IsOptional()
  @IsBoolean()
  isOnline?: boolean | null;

  @IsOptional()
  @IsBoolean()
  isNotifiable?: boolean | null;
}
