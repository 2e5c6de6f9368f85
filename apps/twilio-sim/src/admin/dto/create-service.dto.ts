import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { CreateServiceInput } from '../sim-admin.types';

export class CreateServiceDto implements CreateServiceInput {
  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/)
  accountSid?: string;

  /** null = no friendly name (IsOptional lets null through). */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  friendlyName?: string | null;

  @IsOptional()
  @Matches(/^IS[0-9a-fA-F]{32}$/)
  sid?: string;
}
