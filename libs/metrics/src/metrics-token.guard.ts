import { bearerToken } from '@app/auth';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * GET /metrics: with METRICS_TOKEN set, `Authorization: Bearer <METRICS_TOKEN>` (a scraper's own token, not a
 * read-API token); without it, open. Compared as SHA-256 digests in constant time, like the API's tokens.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly digest: Buffer | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.digest = config.metrics.token === null ? null : sha256(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.digest === null) return true;
    const http = context.switchToHttp();
    const token = bearerToken(http.getRequest<{ headers: { authorization?: string } }>().headers.authorization);
    if (token !== null && timingSafeEqual(sha256(token), this.digest)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="twilio-mirror-metrics"');
    throw new UnauthorizedException('an Authorization: Bearer <METRICS_TOKEN> header is required');
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
