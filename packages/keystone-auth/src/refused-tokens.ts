import { SealedJsonCache, type Store } from '@k2k/store';

/** What is remembered of a refusal: whether Keystone refused the token even with allow_expired. */
interface Refusal {
  allowExpired: boolean;
}

/**
 * Tokens Keystone refused (404: unknown, expired or revoked), remembered for a few seconds so a
 * client repeating a bad token costs one validation, not one per request. Kept in the store like
 * the validations, under a key derived from the token and sealed with the store's codec, so
 * workers sharing memcached share it and the store never holds a token. Only Keystone's refusal
 * is remembered: an outage says nothing about the token.
 */
export class RefusedTokens {
  private readonly cache: SealedJsonCache<Refusal>;

  /** `ttlSeconds` 0 remembers nothing. */
  constructor(
    store: Store,
    private readonly ttlSeconds: number,
  ) {
    this.cache = new SealedJsonCache<Refusal>(store, 'auth-token-refused');
  }

  /** Whether Keystone refused `token` recently, for a validation with or without allow_expired. */
  async has(token: string, allowExpired: boolean): Promise<boolean> {
    if (this.ttlSeconds === 0) return false;
    // A token refused without allow_expired may only have expired: with a service token it can still pass.
    const refusal = await this.cache.get(token, (seen) => seen.allowExpired || !allowExpired);
    return refusal !== undefined;
  }

  async remember(token: string, allowExpired: boolean): Promise<void> {
    if (this.ttlSeconds > 0) await this.cache.set(token, { allowExpired }, this.ttlSeconds);
  }
}
