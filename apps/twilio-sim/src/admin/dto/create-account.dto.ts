import { Type } from 'class-transformer';
import { IsArray, IsNotEmpty, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import type { ApiKeyCredentials, CreateAccountInput } from '../sim-admin.types';

export class ApiKeyDto implements ApiKeyCredentials {
  @Matches(/^SK[0-9a-fA-F]{32}$/)
  sid: string;

  @IsString()
  @IsNotEmpty()
  secret: string;
}

export class CreateAccountDto implements CreateAccountInput {
  @IsOptional()
  @Matches(/^AC[0-9a-fA-F]{32}$/)
  accountSid?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  authToken?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ApiKeyDto)
  apiKeys?: ApiKeyDto[];
}
