import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { AccessScope } from './access-scope';

/** A token's name and scope, without the token. */
export interface TokenHolder {
  name: string;
  scope: AccessScope;
}

/**
 * The tokens of API_TOKENS (and API_TOKENS_FILE), kept only as SHA-256 digests with their names and scopes.
 * Comparing fixed-length digests with timingSafeEqual, against every token without stopping at the first match,
 * leaks neither a token's content nor its length nor which token matched through response timing.
 */
@Injectable()
export class ApiTokens {
  private readonly known: { digest: Buffer; holder: TokenHolder }[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.known = config.api.grants.map((g) => ({ digest: digest(g.token), holder: { name: g.name, scope: new AccessScope(g.scope) } }));
  }

  accepts(candidate: string): boolean {
    return this.holderOf(candidate) !== null;
  }

  /** The name and scope of the token presented, or null when it is none of them. */
  holderOf(candidate: string): TokenHolder | null {
    const d = digest(candidate);
    let found: TokenHolder | null = null;
    for (const k of this.known) if (timingSafeEqual(d, k.digest)) found = k.holder;
    return found;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
