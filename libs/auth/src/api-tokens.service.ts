import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';

/**
 * The tokens of API_TOKENS, kept only as SHA-256 digests. Comparing fixed-length digests with
 * timingSafeEqual, against every token without stopping at the first match, leaks neither a token's
 * content nor its length nor which token matched through response timing.
 */
@Injectable()
export class ApiTokens {
  private readonly digests: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.digests = config.api.tokens.map(digest);
  }

  accepts(candidate: string): boolean {
    const d = digest(candidate);
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(d, known) || ok;
    return ok;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
