import { Module } from '@nestjs/common';
import { ApiAuthGuard } from './api-auth.guard';
import { ApiTokens } from './api-tokens.service';

/** The read API's tokens and their guard, for every module with routes that need one. */
@Module({ providers: [ApiTokens, ApiAuthGuard], exports: [ApiTokens, ApiAuthGuard] })
export class AuthModule {}
